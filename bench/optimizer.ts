/**
 * Composed steppers vs tfjs' built-in optimizers on the variables of a ~1M-parameter MLP
 * (784→1024→256→10), same backend, same run, alternating step by step after a warm-up.
 * Run: `tsx bench/optimizer.ts` (prints a markdown table). Not a test.
 */
import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';
import type { OptimizerLike } from '../plugin-sdk/index.ts';
import { createOptimizer } from '../runtime/optimizer/index.ts';

const LAYERS = [784, 1024, 256, 10];
const WARMUP = 5;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
/** Steps timed together in one measurement (less timer and sync noise). */
const BLOCK = 3;

async function useFastBackend(): Promise<string> {
  try {
    const { initBackend } = (await import('../runtime/backend/index.ts')) as { initBackend?: (b: 'wasm') => Promise<string> };
    if (initBackend) return await initBackend('wasm');
  } catch {
    // No wasm backend here: fall back to cpu.
  }
  await tf.setBackend('cpu');
  return tf.getBackend();
}

/** The same settings for both sides (tfjs' Adam has no weight decay, so wd is 0). */
export const ADAM = { lr: 1e-3, mom: 0.9, sqrMom: 0.999, eps: 1e-7, wd: 0 };
export const SGD = { lr: 1e-2, mom: 0.9, wd: 0 };

async function defaultOptimizers(vars: tf.Variable[]) {
  return { adam: await createOptimizer(vars, 'adam', ADAM), sgd: await createOptimizer(vars, 'sgd', SGD) };
}

function mlpVariables(): tf.Variable[] {
  const vars: tf.Variable[] = [];
  for (let i = 0; i + 1 < LAYERS.length; i++) {
    vars.push(tf.variable(tf.randomNormal([LAYERS[i], LAYERS[i + 1]], 0, 0.05, 'float32', 1 + i)));
    vars.push(tf.variable(tf.zeros([LAYERS[i + 1]])));
  }
  return vars;
}

interface Timed {
  label: string;
  step: () => void;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Times a block of steps of each, alternating which goes first each round; returns ms/step medians. */
function race(a: Timed, b: Timed, sync: () => void): [number, number] {
  for (let i = 0; i < WARMUP; i++) {
    a.step();
    b.step();
  }
  sync();
  const times: [number[], number[]] = [[], []];
  for (let r = 0; r < ROUNDS; r++) {
    const order: [Timed, number][] = r % 2 ? [[b, 1], [a, 0]] : [[a, 0], [b, 1]];
    for (const [s, k] of order) {
      const t0 = performance.now();
      for (let i = 0; i < BLOCK; i++) s.step();
      sync();
      times[k].push((performance.now() - t0) / BLOCK);
    }
  }
  return [median(times[0]), median(times[1])];
}

/** `optimizers` lets a caller build the two composed optimizers itself (e.g. from bundled steppers). */
export async function runOptimizerBench(
  optimizers: (vars: tf.Variable[]) => Promise<{ adam: OptimizerLike; sgd: OptimizerLike }> = defaultOptimizers,
): Promise<string> {
  const backend = await useFastBackend();
  const vars = mlpVariables();
  const nParams = vars.reduce((n, v) => n + v.size, 0);
  const grads: tf.NamedTensorMap = Object.fromEntries(
    vars.map((v, i) => [v.name, tf.randomNormal(v.shape, 0, 0.01, 'float32', 100 + i)]),
  );
  // Reading one element waits for the step to finish on asynchronous backends (cheap on cpu/wasm).
  const syncOne = () => {
    tf.tidy(() => tf.slice(vars[vars.length - 1], [0], [1]).dataSync());
  };

  const rows: string[] = [];
  const compare = (label: string, composed: OptimizerLike, builtin: tf.Optimizer, builtinLabel: string) => {
    const [ours, theirs] = race(
      { label, step: () => composed.step(grads) },
      { label: builtinLabel, step: () => builtin.applyGradients(grads) },
      syncOne,
    );
    composed.dispose();
    builtin.dispose();
    rows.push(`| ${label} vs \`${builtinLabel}\` | ${ours.toFixed(2)} | ${theirs.toFixed(2)} | ${(ours / theirs).toFixed(3)}× |`);
  };

  const { adam, sgd } = await optimizers(vars);
  compare('composed Adam (wd 0)', adam, tf.train.adam(ADAM.lr, ADAM.mom, ADAM.sqrMom, ADAM.eps), 'tf.train.adam');
  compare('composed SGD momentum 0.9', sgd, tf.train.momentum(SGD.lr, SGD.mom), 'tf.train.momentum');

  Object.values(grads).forEach((g) => g.dispose());
  vars.forEach((v) => v.dispose());
  return [
    `### Optimizer step: composed steppers vs tfjs built-ins (${backend}, ${(nParams / 1e6).toFixed(2)}M params, median of ${ROUNDS} alternating blocks of ${BLOCK} steps)`,
    '',
    '| optimizer | tapfit ms/step | tfjs ms/step | ratio |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await runOptimizerBench());
}
