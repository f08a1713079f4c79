/**
 * Benchmark 2 — hook dispatch: µs per batch event fired with 0, 1, 10 and 50 no-op plugins, through
 *   - `learn.fire` (what the loop calls: the learner's bookkeeping, then tapable's compiled `call`, each tap wrapped
 *     by tapfit's error-naming interceptor and its phase filter),
 *   - a bare tapable `SyncHook` with the plugins' methods tapped directly (tapable alone),
 *   - a plain `for` loop over the plugins (the reference).
 * Run alone: `tsx bench/hooks.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { SyncHook } from 'tapable';
import { pathToFileURL } from 'node:url';
import type { Learner as LearnerView, Module, Plugin } from '../plugin-sdk/index.ts';
import { initBackend } from '../runtime/backend/index.ts';
import { DataLoaders } from '../runtime/data/dataloaders.ts';
import { Learner } from '../runtime/learner/learner.ts';
import { QUICK, alternate, median, spreadPct, table, type BenchResult, type Contender } from './harness.ts';

const COUNTS = [0, 1, 10, 50];
const EVENTS_PER_RUN = QUICK ? 20_000 : 200_000;
const ROUNDS = QUICK ? 2 : 7;
const EVENT = 'afterStep';

/** A plugin that counts its calls (so the JIT cannot drop the call as dead code). */
function noopPlugin(i: number): Plugin & { calls: number } {
  return {
    name: `noop-${i}`,
    calls: 0,
    afterStep() {
      this.calls += 1;
    },
  };
}

/** The smallest model a Learner accepts: dispatch cost does not depend on it. */
function tinyModule(): Module {
  const w = tf.variable(tf.zeros([1]));
  return { forward: ([x]) => tf.mul(x, w), parameters: () => [w], dispose: () => w.dispose() };
}

export async function runHooksBench(log: (m: string) => void = () => {}): Promise<BenchResult> {
  await initBackend('wasm');
  const dls = DataLoaders.fromTensors({ train: [tf.zeros([1, 1]), tf.zeros([1, 1])], valid: [tf.zeros([1, 1]), tf.zeros([1, 1])] });
  const rows: string[][] = [];
  const perEventAt10: number[] = [];
  for (const n of COUNTS) {
    const plugins = Array.from({ length: n }, (_, i) => noopPlugin(i));
    const learn = await Learner.create({ model: tinyModule(), dls, lossFunc: 'mse', plugins, defaultPlugins: false, backend: 'wasm', quiet: true });
    learn.training = true;
    const hook = new SyncHook<[LearnerView]>(['learn']);
    for (const p of plugins) hook.tap(p.name, (l) => p.afterStep!(l));
    const list: Plugin[] = plugins;
    const contenders: Contender[] = [
      {
        key: 'fire',
        label: '`learn.fire` (tapable + tapfit wrappers)',
        run: () => {
          for (let i = 0; i < EVENTS_PER_RUN; i++) learn.fire(EVENT);
        },
      },
      {
        key: 'tapable',
        label: 'bare tapable `SyncHook.call`',
        run: () => {
          for (let i = 0; i < EVENTS_PER_RUN; i++) hook.call(learn);
        },
      },
      {
        key: 'loop',
        label: 'plain `for` loop',
        run: () => {
          for (let i = 0; i < EVENTS_PER_RUN; i++) for (const p of list) p.afterStep!(learn);
        },
      },
    ];
    const t = await alternate(contenders, { rounds: ROUNDS, warmup: 2 });
    const us = (k: string) => (median(t.ms[k]) * 1000) / EVENTS_PER_RUN;
    if (n === 10) perEventAt10.push(us('fire'));
    rows.push([
      String(n),
      ...contenders.map((c) => `${us(c.key).toFixed(3)} (±${spreadPct(t.ms[c.key]).toFixed(0)}%)`),
      n > 0 ? `${((us('fire') * 1000) / n).toFixed(1)} ns` : '—',
    ]);
    learn.opt.dispose();
    learn.model.dispose?.();
    log(`  hooks: ${n} plugins done`);
  }
  (dls as DataLoaders).dispose();
  const at10 = perEventAt10[0];
  return {
    title: '2. Hook dispatch (µs per event)',
    markdown: [
      `One batch event (\`${EVENT}\`) fired ${EVENTS_PER_RUN.toLocaleString('en')} times per sample, ${ROUNDS} samples alternating after warm-up; µs per event (median, ± half the min–max range).`,
      '',
      table(['no-op plugins', '`learn.fire`', 'bare tapable', 'plain loop', '`learn.fire` per plugin'], rows),
      '',
      "`learn.fire` adds to tapable the learner's own bookkeeping lookup (fastai's TrainEvalCallback) and, per tap, the interceptor's try/catch that names a failing plugin; tapable compiles the tap list into one function, so the cost per plugin is a couple of calls.",
    ].join('\n'),
    goals: [{ name: 'hook dispatch with 10 plugins', target: '≤ 1 µs per event', measured: `${at10.toFixed(3)} µs`, met: at10 <= 1 }],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runHooksBench((m) => console.error(m));
  console.log(r.markdown);
  console.log(r.goals);
}
