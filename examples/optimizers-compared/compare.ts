import type * as tf from '@tensorflow/tfjs';
import { createOptimizer, Learner, mnist, mnistCnn, type BackendName, type OptimizerSpec, type PluginSpec } from 'tapfit';

/**
 * fastai's optimizer comparison (fastbook chapter 16) on real MNIST digits: the same CNN, seed, data
 * and epochs, trained with one-cycle under four optimizers, each at the chapter's learning rate.
 */
export interface OptimizerRun {
  name: string;
  optimizer: OptimizerSpec;
  /** lrMax for one-cycle. */
  lr: number;
  moms?: [number, number, number];
}

export const RUNS: readonly OptimizerRun[] = [
  // The chapter: SGD at 0.03 with moms (0,0,0); with momentum at 0.03; RMSProp and Adam at 3e-3.
  { name: 'sgd', optimizer: 'sgd', lr: 3e-2, moms: [0, 0, 0] },
  { name: 'sgd+momentum', optimizer: (params: tf.Variable[][]) => createOptimizer(params, 'sgd', { mom: 0.9 }), lr: 3e-2 },
  { name: 'rmsprop', optimizer: 'rmsprop', lr: 3e-3 },
  { name: 'adam', optimizer: 'adam', lr: 3e-3 },
];

export interface CompareOptions {
  nTrain?: number;
  nValid?: number;
  epochs?: number;
  batchSize?: number;
  seed?: number;
  backend?: BackendName;
  /** Which runs (by name); default all four. */
  only?: readonly string[];
  /** Run the LR finder first and report its suggestions (it restores model, optimizer and data order). */
  lrFind?: boolean;
  /** Train at the LR finder's valley instead of the chapter's lr. */
  useSuggested?: boolean;
  plugins?: readonly PluginSpec[];
  quiet?: boolean;
  onRun?: (name: string) => void;
}

export interface CompareRow {
  optimizer: string;
  lr: number;
  valley: number | null;
  trainLoss: number;
  validLoss: number;
  accuracy: number;
  seconds: number;
}

export async function compareOptimizers(o: CompareOptions = {}): Promise<CompareRow[]> {
  const { nTrain = 7000, nValid = 1000, epochs = 3, batchSize = 64, seed = 0, backend = 'auto' } = o;
  const rows: CompareRow[] = [];
  for (const run of RUNS.filter((r) => !o.only || o.only.includes(r.name))) {
    o.onRun?.(run.name);
    const dls = mnist({ nTrain, nValid, batchSize, seed });
    const learn = await Learner.create({
      model: mnistCnn({ seed }),
      dls,
      optimizer: run.optimizer,
      metrics: ['accuracy'],
      backend,
      plugins: o.plugins ?? [],
      quiet: o.quiet ?? true,
    });
    let valley: number | null = null;
    if (o.lrFind || o.useSuggested) {
      // The sweep draws shuffles from the training loader: rewind it so every optimizer sees the same batches.
      const order = dls.train.stateDict?.();
      valley = (await learn.lrFind()).valley;
      if (order !== undefined) dls.train.loadStateDict?.(order);
    }
    const lr = o.useSuggested && valley ? valley : run.lr;
    const started = performance.now();
    await learn.fitOneCycle(epochs, lr, run.moms ? { moms: run.moms } : {});
    const seconds = (performance.now() - started) / 1000;
    const [trainLoss, validLoss, accuracy] = learn.recorder!.values.at(-1) as number[];
    rows.push({ optimizer: run.name, lr, valley, trainLoss, validLoss, accuracy, seconds });
    learn.model.dispose?.();
    learn.opt.dispose();
    dls.dispose();
  }
  return rows;
}

/** The rows as a Markdown table. */
export function formatTable(rows: readonly CompareRow[]): string {
  const head = '| optimizer (one-cycle) | lr max | LR finder valley | train loss | valid loss | accuracy | time (s) |';
  const rule = '|---|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map(
    (r) =>
      `| ${r.optimizer} | ${r.lr.toExponential(1)} | ${r.valley === null ? '–' : r.valley.toExponential(2)} | ${r.trainLoss.toFixed(4)} | ${r.validLoss.toFixed(4)} | ${(r.accuracy * 100).toFixed(2)}% | ${r.seconds.toFixed(1)} |`,
  );
  return [head, rule, ...lines].join('\n');
}
