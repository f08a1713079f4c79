/**
 * `createTestLearner`: a tiny real learner (cpu backend, a linear model on a few fixed batches) for a plugin
 * author's unit tests. It records every event fired, the taps that ran on each, and the loss of every
 * training batch, so a test can check a plugin's effect on events, loss and parameters in a few lines:
 *
 * ```ts
 * import { createTestLearner } from 'tapfit/plugin-sdk/testing';
 * const learn = await createTestLearner({ task: 'classification', plugins: [labelSmoothing({ eps: 0.1 })] });
 * await learn.fit(1);
 * expect(learn.events.slice(0, 3)).toEqual(['afterCreate', 'beforeFit', 'beforeEpoch']);
 * expect(learn.lossGrads[0]).toBeGreaterThan(learn.losses[0]);
 * learn.dispose();
 * ```
 *
 * It is part of the runtime (it builds a real `LearnerView`) and is published as `tapfit/plugin-sdk/testing`, the
 * entry point a plugin's tests import; the plugin itself still imports only `tapfit/plugin-sdk`.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataLoaders, EventName, LearnerView, LossFunc, Metric, Module, Plugin, PluginRequest, Pred, Stepper } from '../../plugin-sdk/index.ts';
import { DataLoaders as TensorDataLoaders } from '../data/dataloaders.ts';
import { Learner } from '../learner/learner.ts';
import type { OptimizerSpec } from '../optimizer/index.ts';

/** A plugin as `Learner.create` takes it: an object, a factory, a built-in name/path/package, or `[name, options]`. */
export type TestPluginSpec = PluginRequest;

export interface TestLearnerOptions {
  /** The plugins under test (and any others they need). */
  plugins?: readonly TestPluginSpec[];
  /**
   * The toy problem: `'regression'` (default) is y = 2·x₀ − x₁ + 0.3 with a 2→1 linear model and `mse`;
   * `'classification'` is 3 classes from 4 features with a 4→3 linear model (logits) and `cross-entropy`.
   */
  task?: 'regression' | 'classification';
  /** Replace the toy model / data / loss. */
  model?: Module;
  dls?: DataLoaders;
  lossFunc?: LossFunc | string;
  /** Default `'sgd'` (plain gradient steps, so parameter changes are easy to predict). */
  optimizer?: string | { steppers: readonly (string | Stepper)[]; hypers?: Record<string, number> };
  /** Default 0.1. */
  lr?: number;
  wd?: number;
  metrics?: readonly (Metric | string)[];
  /** Add the `recorder` plugin (off by default, so only your plugins run). */
  recorder?: boolean;
  /** Training / validation batches and items per batch of the toy data; default 2, 1 and 4. */
  nTrain?: number;
  nValid?: number;
  batchSize?: number;
  /** Also print what plugins `learn.log`; they are always kept in `learn.logs`. */
  echoLogs?: boolean;
}

/** One event as it fired. */
export interface FiredEvent {
  event: EventName;
  epoch: number;
  iter: number;
  training: boolean;
}

/** The learner a test gets: the real one, plus what was recorded. */
export interface TestLearner extends LearnerView {
  fit(nEpoch?: number, lr?: number, options?: { wd?: number; plugins?: readonly TestPluginSpec[] }): Promise<void>;
  /** For each event, the taps that run on it, in order. */
  explain(): { event: EventName; taps: string[] }[];
  /** Every event fired since creation (or `clearEvents()`), in order, `afterCreate` included. */
  readonly events: EventName[];
  /** The same, with the epoch, iter and phase at which each fired. */
  readonly trace: FiredEvent[];
  /** Each tap that ran, in order: `{ event, tap }` (a tap is named after its plugin). */
  readonly tapsRun: { event: EventName; tap: string }[];
  /** `learn.loss` (the loss function's value) of every training batch. */
  readonly losses: number[];
  /** `learn.lossGrad` (what was differentiated, after plugins changed it) of every training batch. */
  readonly lossGrads: number[];
  /** Every message plugins passed to `learn.log`. */
  readonly logs: string[];
  clearEvents(): void;
  /** The current values of the model's parameters, one flat array per parameter. */
  paramValues(): number[][];
  /** Free the model, data and optimizer tensors. */
  dispose(): void;
}

let modelCount = 0;

/** `forward(x) = x·w + b`, the smallest model with real gradients. */
export class LinearModel implements Module {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  constructor(w: number[][], b: number[]) {
    const id = modelCount++;
    // A variable shares its initial tensor's data; dispose the tensor so only the variable holds it.
    this.w = tf.tidy(() => tf.variable(tf.tensor2d(w), true, `test_learner_${id}_w`));
    this.b = tf.tidy(() => tf.variable(tf.tensor1d(b), true, `test_learner_${id}_b`));
  }
  forward([x]: tf.Tensor[]): Pred {
    return tf.add(tf.matMul(x as tf.Tensor2D, this.w), this.b);
  }
  parameters(): tf.Variable[] {
    return [this.w, this.b];
  }
  dispose(): void {
    this.w.dispose();
    this.b.dispose();
  }
}

/** Deterministic features: sin of the item index, so every run sees the same batches. */
function features(n: number, nFeatures: number, offset: number): tf.Tensor2D {
  return tf.tensor2d(Array.from({ length: n * nFeatures }, (_, i) => Math.sin(1.3 * i + offset)), [n, nFeatures]);
}

function toyProblem(task: 'regression' | 'classification', nTrain: number, nValid: number, bs: number) {
  const make = (n: number, offset: number): tf.Tensor[] => {
    if (task === 'regression') {
      const x = features(n, 2, offset);
      return [x, tf.tidy(() => x.matMul(tf.tensor2d([[2], [-1]])).add(0.3))];
    }
    const x = features(n, 4, offset);
    const truth = tf.tensor2d([[1, -1, 0.5], [-0.5, 1, 0], [0.3, 0.2, -1], [0, -0.7, 0.9]]);
    const y = tf.tidy(() => x.matMul(truth).argMax(1).toInt());
    truth.dispose();
    return [x, y];
  };
  const dls = TensorDataLoaders.fromTensors({ train: make(nTrain * bs, 0), valid: make(nValid * bs, 100) }, { batchSize: bs, shuffle: false });
  const model =
    task === 'regression'
      ? new LinearModel([[0.5], [-0.25]], [0.1])
      : new LinearModel([[0.1, -0.2, 0.05], [0.3, 0.1, -0.1], [-0.2, 0.2, 0.1], [0.05, -0.1, 0.2]], [0, 0, 0]);
  return { dls, model, lossFunc: task === 'regression' ? 'mse' : 'cross-entropy' };
}

const RECORDER_NAME = 'tapfit-test-learner-events';

/** Builds a small real learner for testing plugins; see the module comment for an example. */
export async function createTestLearner(options: TestLearnerOptions = {}): Promise<TestLearner> {
  const task = options.task ?? 'regression';
  const toy = options.model && options.dls ? null : toyProblem(task, options.nTrain ?? 2, options.nValid ?? 1, options.batchSize ?? 4);
  const model = options.model ?? toy!.model;
  const dls = options.dls ?? toy!.dls;

  const events: EventName[] = [];
  const trace: FiredEvent[] = [];
  const tapsRun: { event: EventName; tap: string }[] = [];
  const losses: number[] = [];
  const lossGrads: number[] = [];
  const logs: string[] = [];

  // Hook interceptors see every call of every hook (even with no taps) and every tap as it runs. They are
  // installed by a plugin's `apply`, which runs before `afterCreate` fires, and outlive the plugin.
  let installed = false;
  const eventRecorder: Plugin = {
    name: RECORDER_NAME,
    apply(learn) {
      if (installed) return;
      installed = true;
      for (const [event, hook] of Object.entries(learn.hooks) as [EventName | 'onError', { intercept(i: object): void }][]) {
        if (event === 'onError') continue;
        hook.intercept({
          call: () => {
            events.push(event);
            trace.push({ event, epoch: learn.epoch, iter: learn.iter, training: learn.training });
            // Read after afterLoss's taps ran (and before the batch is disposed): the final differentiated loss.
            if (event === 'afterBackward' && learn.training) {
              if (learn.loss) losses.push(learn.loss.dataSync()[0]);
              if (learn.lossGrad) lossGrads.push(learn.lossGrad.dataSync()[0]);
            }
          },
          tap: (tap: { name: string }) => void tapsRun.push({ event, tap: tap.name }),
        });
      }
    },
  };

  const plugins: PluginRequest[] = [eventRecorder, ...(options.recorder ? [{ role: 'recorder' }] : []), ...(options.plugins ?? [])];
  const learn = await Learner.create({
    model,
    dls,
    lossFunc: options.lossFunc ?? toy?.lossFunc ?? 'mse',
    // Preset names and stepper names are checked by the optimizer when the learner is built.
    optimizer: (options.optimizer ?? 'sgd') as OptimizerSpec,
    lr: options.lr ?? 0.1,
    wd: options.wd,
    metrics: options.metrics,
    plugins,
    defaultPlugins: false,
    backend: 'cpu',
    logger: (message: string) => {
      logs.push(message);
      if (options.echoLogs) console.log(message);
    },
  });
  learn.removePlugin(RECORDER_NAME);

  const extra = {
    events,
    trace,
    tapsRun,
    losses,
    lossGrads,
    logs,
    clearEvents() {
      for (const list of [events, trace, tapsRun, losses, lossGrads, logs] as unknown[][]) list.length = 0;
    },
    paramValues() {
      return learn.model.parameters().map((p) => Array.from(p.dataSync()));
    },
    dispose() {
      learn.opt.dispose();
      learn.model.dispose?.();
      (dls as Partial<{ dispose(): void }>).dispose?.();
    },
  };
  const originalFit = learn.fit.bind(learn);
  return Object.assign(learn, extra, {
    fit: (nEpoch = 1, lr?: number, fitOptions?: { wd?: number; plugins?: readonly TestPluginSpec[] }) => originalFit(nEpoch, lr, fitOptions),
  }) as TestLearner;
}
