import * as tf from '@tensorflow/tfjs';
import { CancelFitError, EVENTS, STAGE, TapfitError, type EventName, type LearnerView } from '../../plugin-sdk/index.ts';
import { HookSet, untapOwner } from '../hooks/hook-set.ts';

export interface LeakGuard {
  /** Throws `E_LEAK` if a leak was found. */
  check(): void;
  /** Removes the guard (always call it, in a `finally`). */
  dispose(): void;
}

/** tfjs engine methods every tensor creation and disposal goes through (tfjs-core 4.x). */
interface EngineHooks {
  trackTensor(t: tf.Tensor, backend: unknown): void;
  disposeTensor(t: tf.Tensor): void;
}
interface Interceptor {
  call?: () => void;
  tap?: (tap: { name: string }) => void;
  done?: () => void;
}
interface InterceptableHook {
  intercept(interceptor: Interceptor): void;
}

let guardActive = false;
const LEARNER = 'learner';

/**
 * `fit(…, { checkLeaks: true })`: a fit must not grow `tf.memory().numTensors` from one epoch to the next.
 * The guard labels every tensor created during the fit with where it was made (the plugin and event running,
 * or "after event X" for the learner's own code) and keeps the labels of those still alive. At the end of every
 * epoch after the first it compares the count with the epoch before; if it grew, the fit stops at the next
 * epoch's start and `check()` names the event (and plugin) whose tensors were left undisposed. The first epoch
 * is the baseline: optimizer state and other one-off allocations happen there. Fits of one epoch are not checked.
 */
export function guardLeaks(learn: LearnerView): LeakGuard {
  if (guardActive) return { check() {}, dispose() {} }; // a fit inside a fit: the outer guard watches
  guardActive = true;
  const engine = tf.engine() as unknown as EngineHooks & Record<string, unknown>;
  const original = { track: engine.trackTensor, dispose: engine.disposeTensor };
  const live = new Map<number, string>();
  let where = `${LEARNER}@beforeFit`;
  let patched = true;
  engine.trackTensor = function (this: EngineHooks, t: tf.Tensor, backend: unknown) {
    live.set(t.id, where);
    return original.track.call(this, t, backend);
  };
  engine.disposeTensor = function (this: EngineHooks, t: tf.Tensor) {
    live.delete(t.id);
    return original.dispose.call(this, t);
  };
  const unpatch = () => {
    if (!patched) return;
    patched = false;
    // The wrappers are own properties over the engine's prototype methods: deleting them restores those.
    delete (engine as Partial<EngineHooks>).trackTensor;
    delete (engine as Partial<EngineHooks>).disposeTensor;
    live.clear();
  };

  let lastEpochEnded: number | null = null;
  /** The census at the end of the last epoch checked, and that epoch. */
  let baseline: { labels: Map<string, number>; total: number; epoch: number } | null = null;
  let report: string | null = null;
  const census = () => {
    const labels = new Map<string, number>();
    for (const label of live.values()) labels.set(label, (labels.get(label) ?? 0) + 1);
    return { labels, total: tf.memory().numTensors };
  };
  /** At the end of each epoch after the first: compare with the end of the one before, then move on. */
  const endOfEpoch = (epoch: number) => {
    const now = census();
    if (baseline && now.total > baseline.total) {
      report = describe(baseline, now, epoch);
      unpatch();
      return;
    }
    baseline = { ...now, epoch };
  };
  const onCall = (event: EventName) => {
    if (!patched) return;
    if (event === 'afterEpoch') lastEpochEnded = learn.epoch;
    // Counted at the next epoch's start (or the fit's end), after every afterEpoch tap has run.
    else if ((event === 'beforeEpoch' || event === 'afterFit') && lastEpochEnded !== null && lastEpochEnded !== baseline?.epoch) {
      endOfEpoch(lastEpochEnded);
    }
  };

  // The interceptors and the stop tap belong to the guard: `dispose` removes them together.
  const owner = {};
  HookSet.of(learn.hooks).asOwner(owner, () => {
    for (const event of EVENTS) {
      (learn.hooks[event] as unknown as InterceptableHook).intercept({
        call: () => onCall(event),
        tap: (tap) => {
          where = `${tap.name}@${event}`;
        },
        done: () => {
          where = `${LEARNER}@${event}`;
        },
      });
    }
    // Stop at the start of the third epoch once a leak is known, rather than train on.
    learn.hooks.beforeEpoch.tap({ name: 'tapfit:check-leaks', stage: STAGE.first }, () => {
      if (report) throw new CancelFitError('checkLeaks: leak found');
    });
  });

  return {
    check() {
      if (report) throw new TapfitError('E_LEAK', report);
    },
    dispose() {
      unpatch();
      untapOwner(learn.hooks, owner);
      guardActive = false;
    },
  };
}

function describe(before: { labels: Map<string, number>; total: number }, after: { labels: Map<string, number>; total: number }, epoch: number): string {
  const eventIndex = (label: string) => EVENTS.indexOf(label.slice(label.lastIndexOf('@') + 1) as EventName);
  const grown = [...after.labels]
    .map(([label, n]) => ({ label, n: n - (before.labels.get(label) ?? 0) }))
    .filter((g) => g.n > 0)
    .sort((a, b) => eventIndex(a.label) - eventIndex(b.label));
  const say = ({ label, n }: { label: string; n: number }) => {
    const at = label.lastIndexOf('@');
    const [who, event] = [label.slice(0, at), label.slice(at + 1)];
    return who === LEARNER
      ? `${n} created after "${event}" by the learner's own code (model, loss, optimizer or data loader)`
      : `${n} created by plugin "${who}" on "${event}"`;
  };
  const head = `checkLeaks: tf.memory().numTensors grew by ${after.total - before.total} from the end of epoch ${epoch - 1} to the end of epoch ${epoch} (${before.total} → ${after.total})`;
  if (grown.length === 0) return `${head}; the new tensors were made outside the fit's events`;
  const [first, ...others] = grown;
  const event = first.label.slice(first.label.lastIndexOf('@') + 1);
  return `${head}: the count first grew after "${event}": ${say(first)} were never disposed${
    others.length ? `; also ${others.map(say).join('; ')}` : ''
  }. Dispose them (tf.tidy, tensor.dispose()) or keep a fixed number alive.`;
}
