/**
 * Benchmark 1 — the Learner against the limit and the peer: one epoch (2,000 training + 500 validation images,
 * batches of 64, no shuffling so every contender sees the same batches) of tapfit's MNIST CNN, on one backend:
 *   (a) a hand-written tfjs loop: `tf.variableGrads` + fastai's Adam written inline — the limit for a JS loop;
 *   (b) `tf.LayersModel.fit` with `tf.train.adam` — the peer;
 *   (c) `learn.fit` with the default plugins (recorder) and the accuracy metric;
 *   (d) `learn.fit` with every built-in plugin that can run on a CNN;
 *   (e) `model.fit` on the stock `cpu` backend (no tapfit kernels): a few batches, extrapolated to the epoch.
 * Every contender computes the validation loss and accuracy. Run alone: `tsx bench/learner.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError, type Plugin } from '../plugin-sdk/index.ts';
import { initBackend, unregisterTapfitKernels } from '../runtime/backend/index.ts';
import { DataLoaders } from '../runtime/data/dataloaders.ts';
import { mnistArrays } from '../runtime/data/mnist.ts';
import { Learner } from '../runtime/learner/learner.ts';
import { crossEntropy } from '../runtime/losses.ts';
import { accuracy } from '../runtime/metrics.ts';
import { mnistCnn } from '../runtime/models/mnist.ts';
import { loadPlugin } from '../runtime/plugin-host/load-plugins.ts';
import { registry } from '../runtime/plugin-host/registry.ts';
import { schedCos } from '../plugin-sdk/index.ts';
import { cnnFlops, matMulGflops } from './flops.ts';
import { gatherDls } from './gather-loader.ts';
import { QUICK, alternate, clockMs, fmtDelta, fmtMs, fmtRatio, median, pairedRatio, spreadPct, table, type BenchResult, type Contender, type Goal } from './harness.ts';

const N_TRAIN = 2000;
const N_VALID = 500;
const BS = 64;
const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = 1;
/** Rounds in which the stock-cpu baseline samples one batch (each costs seconds). */
const STOCK_ROUNDS = QUICK ? [0] : [0, 2, 4].filter((r) => r < ROUNDS);

/** fastai's Adam defaults, as tapfit's `adam` preset and `Learner` use them. */
const HP = { lr: 1e-3, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01 };

interface Data {
  x: tf.Tensor;
  y: tf.Tensor;
  xv: tf.Tensor;
  yv: tf.Tensor;
}

function loadData(): Data {
  const { train, valid } = mnistArrays({ nTrain: N_TRAIN, nValid: N_VALID, seed: 0 });
  return {
    x: tf.tensor4d(train.x, [train.n, 28, 28, 1]),
    y: tf.tensor1d(train.y, 'int32'),
    xv: tf.tensor4d(valid.x, [valid.n, 28, 28, 1]),
    yv: tf.tensor1d(valid.y, 'int32'),
  };
}

function tapfitDls(d: Data): DataLoaders {
  return DataLoaders.fromTensors({ train: [d.x, d.y], valid: [d.xv, d.yv] }, { batchSize: BS, shuffle: false });
}

/**
 * (a) The limit for a JavaScript loop: the same model, loss, batches and fastai Adam (decoupled weight decay
 * except on biases, damped moments, debiased step) written directly in tfjs ops, no events, no reads until the
 * validation means at the end of the epoch. Batches are taken with `gather` (as `LayersModel.fit` does): on
 * `wasm`, `slice` first copies the whole source tensor out of the wasm heap (`readSync`), so it costs O(dataset).
 */
class HandLoop {
  private readonly vars: tf.Variable[];
  private readonly decays: boolean[];
  private readonly gradAvg: tf.Variable[];
  private readonly sqrAvg: tf.Variable[];
  private step = 0;

  constructor(
    readonly model: tf.LayersModel,
    private readonly d: Data,
    private readonly bs = BS,
  ) {
    this.vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.decays = model.trainableWeights.map((w) => !/bias/.test(w.originalName));
    this.gradAvg = this.vars.map((v) => tf.variable(tf.zerosLike(v), false));
    this.sqrAvg = this.vars.map((v) => tf.variable(tf.zerosLike(v), false));
  }

  dispose(): void {
    this.model.dispose();
    tf.dispose([...this.gradAvg, ...this.sqrAvg]);
  }

  epoch(): number[] {
    const { x, xv, yv } = this.d;
    const [nTrain, nValid, bs] = [x.shape[0], xv.shape[0], this.bs];
    for (let start = 0; start < nTrain; start += bs) this.trainStep(start, Math.min(bs, nTrain - start));
    let sums: tf.Tensor | null = null;
    for (let start = 0; start < nValid; start += bs) {
      const size = Math.min(bs, nValid - start);
      const next: tf.Tensor = tf.tidy(() => {
        const idx = tf.range(start, start + size, 1, 'int32');
        const pred = this.model.apply(tf.gather(xv, idx), { training: false }) as tf.Tensor;
        const yb = tf.gather(yv, idx);
        const batch = tf.mul(tf.stack([crossEntropy(pred, yb), accuracy(pred, yb)]), size);
        return sums ? tf.add(sums, batch) : batch;
      });
      sums?.dispose();
      sums = next;
    }
    const means = Array.from(sums!.dataSync(), (s) => s / nValid);
    sums!.dispose();
    return means;
  }

  trainStep(start: number, size: number): void {
    const { x, y } = this.d;
    tf.tidy(() => {
      const idx = tf.range(start, start + size, 1, 'int32');
      const xb = tf.gather(x, idx);
      const yb = tf.gather(y, idx);
      const { grads } = tf.variableGrads(() => crossEntropy(this.model.apply(xb, { training: true }) as tf.Tensor, yb), this.vars);
      this.adam(grads);
    });
  }

  private adam(grads: tf.NamedTensorMap): void {
    this.step += 1;
    const { lr, mom, sqrMom, eps, wd } = HP;
    const d1 = 1 - mom ** this.step;
    const d2 = 1 - sqrMom ** this.step;
    const sDecay = tf.scalar(1 - lr * wd);
    const sMom = tf.scalar(mom);
    const sMom1 = tf.scalar(1 - mom);
    const sSqr = tf.scalar(sqrMom);
    const sSqr1 = tf.scalar(1 - sqrMom);
    const sD2 = tf.scalar(d2);
    const sEps = tf.scalar(eps);
    const sStep = tf.scalar(lr / d1);
    this.vars.forEach((p, i) => {
      const g = grads[p.name];
      const m = tf.add(tf.mul(this.gradAvg[i], sMom), tf.mul(g, sMom1));
      const v = tf.add(tf.mul(this.sqrAvg[i], sSqr), tf.mul(tf.square(g), sSqr1));
      this.gradAvg[i].assign(m);
      this.sqrAvg[i].assign(v);
      const decayed = this.decays[i] ? tf.mul(p, sDecay) : p;
      p.assign(tf.sub(decayed, tf.div(tf.mul(m, sStep), tf.add(tf.sqrt(tf.div(v, sD2)), sEps))));
    });
  }
}

/** (b) and (e): Keras-style `fit` with `tf.train.adam` (same β's and ε), one-hot targets and softmax cross-entropy from logits. */
function compiledCnn(): tf.LayersModel {
  const model = mnistCnn({ seed: 0 });
  model.compile({
    optimizer: tf.train.adam(HP.lr, HP.mom, HP.sqrMom, HP.eps),
    loss: (yTrue: tf.Tensor, logits: tf.Tensor) => tf.neg(tf.sum(tf.mul(yTrue, tf.logSoftmax(logits)), -1)),
    metrics: ['accuracy'],
  });
  return model;
}

/** Built-ins that cannot take part in a CNN's ordinary epoch, and why. */
const NOT_ON_A_CNN: Record<string, string> = {
  'lr-finder': 'a separate procedure (`learn.lrFind`): it stops the fit after `numIt` batches, skips validation and restores the weights',
  'rnn-outputs': 'needs a model returning `[logits, rawOutputs, outputs]` (an RNN LM)',
  'rnn-regularizer': 'needs `rnn-outputs`, i.e. an RNN LM',
  mixup: 'data augmentation: it blends every batch and mixes the loss, work the hand-written loop does not do',
  cutmix: 'data augmentation: it pastes boxes into every batch and mixes the loss, work the hand-written loop does not do',
  'gradient-accumulation': 'changes when the optimizer steps (every nAcc items), so the runs are not the same training',
  'gather-preds': 'inference (`learn.getPreds`): it keeps every validation prediction',
};

/** Options for built-ins that need some (or that would print/write somewhere inconvenient). */
function pluginOptions(dir: string): Record<string, unknown> {
  return {
    progress: { bar: false },
    'param-scheduler': { scheds: { lr: schedCos(HP.lr, HP.lr / 10) } },
    'gradient-clip': { maxNorm: 1 },
    'terminate-on-nan': { restoreLast: false },
    'csv-logger': { fname: path.join(dir, 'history.csv') },
    tensorboard: { logDir: path.join(dir, 'runs') },
    'save-model': { dir, every: 'epoch' },
    'early-stopping': { patience: 10 },
    'reduce-lr-on-plateau': { patience: 10 },
  };
}

/** Every built-in plugin that loads and can run on the CNN (besides the recorder, which is a default). */
async function allPlugins(dir: string): Promise<{ plugins: Plugin[]; skipped: Record<string, string> }> {
  const opts = pluginOptions(dir);
  const plugins: Plugin[] = [];
  const skipped: Record<string, string> = { ...NOT_ON_A_CNN };
  for (const name of [...registry('plugin').keys()].sort()) {
    if (name === 'recorder' || name in NOT_ON_A_CNN) continue;
    try {
      plugins.push(await loadPlugin(name in opts ? [name, opts[name]] : name));
    } catch (withOptions) {
      try {
        plugins.push(await loadPlugin(name));
      } catch {
        skipped[name] = `did not load: ${(withOptions as Error).message}`;
      }
    }
  }
  return { plugins, skipped };
}

/** A first fit; a plugin that fails on the CNN is removed (and reported) until one epoch runs clean. */
async function trialFit(learn: Learner, skipped: Record<string, string>): Promise<void> {
  for (;;) {
    try {
      await learn.fit(1);
      return;
    } catch (error) {
      if (!(error instanceof PluginError) || !learn.plugin(error.plugin)) throw error;
      skipped[error.plugin] = `failed on the CNN: ${error.message}`;
      learn.removePlugin(error.plugin);
    }
  }
}

/**
 * The loop's own cost, apart from the kernels: a linear model on 8 features (batches of 8, so tfjs' work per batch
 * is tens of µs) trained by the hand loop and by `learn.fit`, bare and with the defaults. µs per batch.
 */
export async function loopOverhead(): Promise<{ rows: string[][]; bare: number; defaults: number }> {
  const [n, nValid, bs, features, classes] = [4096, 64, 8, 8, 4];
  const x = tf.randomNormal([n, features], 0, 1, 'float32', 1);
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % classes), 'int32');
  const xv = tf.randomNormal([nValid, features], 0, 1, 'float32', 2);
  const yv = tf.tensor1d(Array.from({ length: nValid }, (_, i) => i % classes), 'int32');
  const linear = () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [features], units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
  const hand = new HandLoop(linear(), { x, y, xv, yv }, bs);
  const dls = () => gatherDls([x, y], [xv, yv], bs);
  const bare = await Learner.create({ model: linear(), dls: dls(), defaultPlugins: false, backend: 'wasm', quiet: true });
  const defaults = await Learner.create({ model: linear(), dls: dls(), metrics: ['accuracy'], backend: 'wasm', quiet: true });
  const t = await alternate(
    [
      { key: 'hand', label: 'hand-written loop (as (a))', run: () => hand.epoch() },
      { key: 'bare', label: '`learn.fit`, no plugins', run: () => bare.fit(1) },
      { key: 'defaults', label: '`learn.fit`, recorder + accuracy (as (c))', run: () => defaults.fit(1) },
    ],
    { rounds: QUICK ? 1 : 7, warmup: 2 },
  );
  const batches = Math.ceil(n / bs) + Math.ceil(nValid / bs);
  const us = (k: string) => (median(t.ms[k]) / batches) * 1000;
  const rows = (['hand', 'bare', 'defaults'] as const).map((k) => [
    { hand: 'hand-written loop (as (a))', bare: '`learn.fit`, no plugins', defaults: '`learn.fit`, recorder + accuracy (as (c))' }[k],
    `${us(k).toFixed(0)} µs`,
    `±${spreadPct(t.ms[k]).toFixed(0)}%`,
    k === 'hand' ? '—' : fmtDelta((us(k) - us('hand')) / 1000),
  ]);
  for (const l of [bare, defaults]) {
    l.opt.dispose();
    l.model.dispose?.();
  }
  hand.dispose();
  tf.dispose([x, y, xv, yv]);
  return { rows, bare: us('bare') - us('hand'), defaults: us('defaults') - us('hand') };
}

/** Kernel time of one call by kernel name, largest first (tf.profile; the nested ops of fused/tapfit kernels are counted once). */
async function topKernels(f: () => void, top = 6): Promise<{ name: string; ms: number; share: number }[]> {
  f();
  const profile = await tf.profile(() => {
    f();
  });
  const byName = new Map<string, number>();
  for (const k of profile.kernels) if (!k.name.endsWith('__op')) byName.set(k.name, (byName.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  const total = [...byName.values()].reduce((a, b) => a + b, 0);
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms, share: ms / total }));
}

export async function runLearnerBench(log: (m: string) => void = () => {}): Promise<BenchResult> {
  const backend = await initBackend('wasm');
  const d = loadData();
  const dir = mkdtempSync(path.join(tmpdir(), 'tapfit-bench-'));

  const hand = new HandLoop(mnistCnn({ seed: 0 }), d);
  const peer = compiledCnn();
  const yOneHot = tf.oneHot(d.y, 10);
  const yvOneHot = tf.oneHot(d.yv, 10);
  const fitArgs = { batchSize: BS, epochs: 1, shuffle: false, verbose: 0 as const, validationData: [d.xv, yvOneHot] as [tf.Tensor, tf.Tensor] };

  const learnC = await Learner.create({ model: mnistCnn({ seed: 0 }), dls: tapfitDls(d), metrics: ['accuracy'], backend: 'wasm', quiet: true });
  const learnC2 = await Learner.create({ model: mnistCnn({ seed: 0 }), dls: gatherDls([d.x, d.y], [d.xv, d.yv], BS), metrics: ['accuracy'], backend: 'wasm', quiet: true });
  const { plugins, skipped } = await allPlugins(dir);
  const learnD = await Learner.create({ model: mnistCnn({ seed: 0 }), dls: tapfitDls(d), metrics: ['accuracy'], backend: 'wasm', quiet: true, plugins });
  await trialFit(learnD, skipped);
  const used = learnD.plugins.map((p) => p.name);

  // (e) lives on the stock cpu backend: its model, data and optimizer state are created there (values are read
  // here first: touching (a–d)'s tensors while cpu is current would move their data to cpu).
  const firstBatch = tf.tidy(() => [d.x, yOneHot, d.xv, yvOneHot].map((t) => t.slice(0, BS).dataSync()));
  await tf.setBackend('cpu');
  unregisterTapfitKernels('cpu');
  const stock = compiledCnn();
  const stockX = tf.tensor4d(firstBatch[0], [BS, 28, 28, 1]);
  const stockY = tf.tensor2d(firstBatch[1], [BS, 10]);
  const stockXv = tf.tensor4d(firstBatch[2], [BS, 28, 28, 1]);
  const stockYv = tf.tensor2d(firstBatch[3], [BS, 10]);
  await tf.setBackend(backend);
  const stockTrain: number[] = [];
  const stockValid: number[] = [];

  const contenders: Contender[] = [
    { key: 'a', label: '(a) hand-written tfjs loop (`tf.variableGrads` + fastai Adam)', run: () => hand.epoch() },
    { key: 'b', label: '(b) `tf.LayersModel.fit` + `tf.train.adam`', run: () => peer.fit(d.x, yOneHot, fitArgs) },
    { key: 'c', label: '(c) `learn.fit`, default plugins (recorder) + accuracy', run: () => learnC.fit(1) },
    { key: 'c2', label: "(c′) = (c) with a loader that takes batches by `gather` (a reference: `TensorDataLoader` now gathers too)", run: () => learnC2.fit(1) },
    { key: 'd', label: `(d) \`learn.fit\`, ${used.length} plugins + accuracy`, run: () => learnD.fit(1) },
    {
      key: 'e',
      label: '(e) `model.fit`, stock `cpu` backend (plain `npm i @tensorflow/tfjs`)',
      rounds: STOCK_ROUNDS,
      run: async () => {
        await tf.setBackend('cpu');
        try {
          let t0 = clockMs();
          await stock.fit(stockX, stockY, { batchSize: BS, epochs: 1, verbose: 0 });
          stockTrain.push(clockMs() - t0);
          t0 = clockMs();
          tf.dispose(stock.evaluate(stockXv, stockYv, { batchSize: BS }) as tf.Scalar[]);
          stockValid.push(clockMs() - t0);
        } finally {
          await tf.setBackend(backend);
        }
      },
    },
  ];

  const overhead = await loopOverhead();
  log('  learner: loop overhead done');
  const flops = cnnFlops(hand.model);
  const mm0 = matMulGflops();
  const timings = await alternate(contenders, { rounds: ROUNDS, warmup: WARMUP, onRound: (r) => log(`  learner: round ${r + 1}/${ROUNDS} done`) });
  const mm1 = matMulGflops();
  const kernels = await topKernels(() => hand.trainStep(0, BS));
  const gflops = Math.max(mm0.best, mm1.best);

  // (e) is extrapolated from its sampled batches; the round time of (e) also held its backend switches.
  const eEpoch = median(stockTrain) * (N_TRAIN / BS) + median(stockValid) * (N_VALID / BS);
  const med = (k: string) => median(timings.ms[k]);
  const nSteps = Math.ceil(N_TRAIN / BS);
  const rows = contenders.map((c) => {
    const isE = c.key === 'e';
    const epoch = isE ? eEpoch : med(c.key);
    const ratio = isE ? { ratio: eEpoch / med('a'), min: Number.NaN, max: Number.NaN } : pairedRatio(timings, c.key, 'a');
    const spread = isE ? spreadPct(stockTrain) : spreadPct(timings.ms[c.key]);
    const n = isE ? stockTrain.length : timings.ms[c.key].length;
    const range = Number.isFinite(ratio.min) ? ` (${ratio.min.toFixed(3)}–${ratio.max.toFixed(3)})` : '';
    return [
      c.label,
      isE ? `~${fmtMs(epoch)} (extrapolated)` : fmtMs(epoch),
      `±${spread.toFixed(1)}%`,
      `${n}`,
      isE ? `${fmtMs(median(stockTrain))} (measured)` : fmtMs(epoch / nSteps),
      `${fmtRatio(ratio.ratio)}${range}`,
    ];
  });

  const ca = pairedRatio(timings, 'c', 'a');
  const da = pairedRatio(timings, 'd', 'a');
  const cb = pairedRatio(timings, 'c', 'b');
  const c2a = pairedRatio(timings, 'c2', 'a');
  const c2b = pairedRatio(timings, 'c2', 'b');
  const dc = pairedRatio(timings, 'd', 'c');
  const ec = eEpoch / med('c');
  const trainFlops = flops.trainPerImage * N_TRAIN + flops.forwardPerImage * N_VALID;
  const limitMs = trainFlops / (gflops * 1e6);
  const perBatchOverhead = (med('c') - med('a')) / (nSteps + Math.ceil(N_VALID / BS));

  /** (c) pays for `TensorDataLoader`'s slice when the same learner with a gathering loader is clearly faster. */
  const loaderWaste = c2a.ratio < ca.ratio - 0.03;
  const goals: Goal[] = [
    {
      name: '(c)/(a): default learner vs hand-written loop',
      target: '≤ 1.03',
      measured: fmtRatio(ca.ratio),
      met: ca.ratio <= 1.03,
      note:
        `${fmtDelta(perBatchOverhead)} per batch against the hand loop; with batches taken by \`gather\` (c′) the ratio is ${fmtRatio(c2a.ratio)}` +
        (loaderWaste ? " — the gap is `TensorDataLoader`'s `slice`, which copies the whole dataset out of the wasm heap per batch (§1, §5)" : ''),
    },
    {
      name: '(d)/(a): every CNN plugin vs hand-written loop',
      target: '≤ 1.10',
      measured: fmtRatio(da.ratio),
      met: da.ratio <= 1.1,
      note: `the ${used.length} plugins cost ${fmtRatio(dc.ratio)} of (c)` + (loaderWaste ? `; with a gathering loader ≈ ${fmtRatio(c2a.ratio * dc.ratio)}` : ''),
    },
    {
      name: '(c) faster than (b) `LayersModel.fit`',
      target: '(c)/(b) < 1',
      measured: fmtRatio(cb.ratio),
      met: cb.ratio < 1,
      note: `(c′)/(b) = ${fmtRatio(c2b.ratio)}` + (loaderWaste ? ': `fit` takes batches with `gather`, tapfit with `slice` (§1)' : ''),
    },
    { name: '(c) vs (e) stock-cpu `model.fit`', target: '≥ 50× faster', measured: `${ec.toFixed(0)}×`, met: ec >= 50, note: `(e) extrapolated from ${stockTrain.length} sampled batches` },
  ];

  const skippedList = Object.entries(skipped).map(([n, why]) => `- \`${n}\`: ${why}`);
  const markdown = [
    `Backend \`${backend}\` with tapfit's kernels (a–d); \`cpu\` stock for (e). One epoch = ${N_TRAIN} training images (${nSteps} batches of ${BS}) + ${N_VALID} validation images (loss and accuracy), no shuffling, so every contender sees the same batches. ${ROUNDS} timed rounds after ${WARMUP} warm-up; contenders alternate within each round (order rotating). Ratios are medians of the per-round ratios to (a) (range in brackets).`,
    '',
    table(['contender', 'epoch (median)', 'spread', 'n', 'per batch¹', 'vs (a)'], rows),
    '',
    `¹ (a)–(d): the epoch ÷ its ${nSteps} training batches (validation included); (e): one training batch, measured.`,
    '',
    loaderWaste
      ? `**Why (c) trails (a) and (b): the data loader.** tapfit's \`TensorDataLoader\` takes unshuffled batches with \`slice\`, and tfjs-backend-wasm's \`Slice\` kernel reads its input with \`readSync\`, which copies the *whole* source tensor out of the wasm heap (\`HEAPU8.slice\`) — ${((N_TRAIN * 784 * 4) / 2 ** 20).toFixed(1)} MiB for every batch of ${BS} here. That is O(dataset) per batch, O(N²) per epoch (benchmark 5 shows it per dataset size). (a) and \`LayersModel.fit\` take batches with \`gather\`, O(batch). (c′) — the same learner with a loader that gathers over a \`tf.range\` — runs at ${fmtRatio(c2a.ratio)} of (a). Fix: \`TensorDataLoader\` should gather for unshuffled batches too (it already gathers when shuffling), or tapfit's wasm kernels should include a \`Slice\` that reads the heap in place.\n`
      : `(c′), the learner with a loader that gathers over a \`tf.range\`, runs at ${fmtRatio(c2a.ratio)} of (a), like (c): batch extraction costs (c) nothing extra.\n`,
    `(e) runs ~${fmtMs(median(stockTrain))} per training batch and ${fmtMs(median(stockValid))} per validation batch; its epoch is ${N_TRAIN}/${BS} training + ${N_VALID}/${BS} validation batches at those medians. Its slowness is tfjs' stock \`cpu\` \`Conv2DBackpropFilter\` (a loop over every filter tap).`,
    '',
    '**Physical limit.** ' +
      `The CNN needs ${(flops.trainPerImage / 1e6).toFixed(2)} MFLOP per training image (forward ${(flops.forwardPerImage / 1e6).toFixed(2)}, plus weight and input gradients; conv and dense layers only) — ` +
      `${((flops.trainPerImage * BS) / 1e6).toFixed(0)} MFLOP per batch of ${BS}, ${(trainFlops / 1e9).toFixed(2)} GFLOP per epoch with validation. ` +
      `One core's \`matMul\` on \`${backend}\` (512×512×512) peaks at ${gflops.toFixed(1)} GFLOP/s (median ${median([mm0.median, mm1.median]).toFixed(1)}), so the epoch cannot take less than **${fmtMs(limitMs)}**; ` +
      `(a) takes ${fmtMs(med('a'))}, **${(med('a') / limitMs).toFixed(1)}× the limit** (${((limitMs / med('a')) * 100).toFixed(0)}% of peak). The gap is in the kernels, not the loop (below: the loop costs tens of µs per batch). Where one training batch of (a) goes (\`tf.profile\`, kernel time): ` +
      kernels.map((k) => `\`${k.name}\` ${fmtMs(k.ms)} (${(k.share * 100).toFixed(0)}%)`).join(', ') +
      " (a kernel that tapfit builds from other kernels is counted with them, so the shares are approximate). Benchmark 4 profiles each backend; benchmark 6 gives each kernel's self time and compares with PyTorch.",
    '',
    `**The loop's own cost per batch** (a linear model on 8 features, batches of 8: almost no tensor work, so this is the JavaScript around it — events, bookkeeping, the composed optimizer's per-parameter steppers, the recorder's per-batch loss read; each batch also disposes its tensors):`,
    '',
    table(['loop', 'per batch', 'spread', 'over the hand loop'], overhead.rows),
    '',
    `On the CNN a training batch takes ~${fmtMs(med('a') / nSteps)}; ${fmtDelta(overhead.defaults / 1000)} is ${((overhead.defaults / 1000 / (med('a') / nSteps)) * 100).toFixed(2)}% of that.`,
    '',
    `Plugins in (d): ${used.map((n) => `\`${n}\``).join(', ')}. Not in (d):`,
    ...skippedList,
  ].join('\n');

  // Clean up everything this benchmark made.
  for (const l of [learnC, learnC2, learnD]) {
    l.opt.dispose();
    l.model.dispose?.();
  }
  tf.dispose([d.x, d.y, d.xv, d.yv, yOneHot, yvOneHot, stockX, stockY, stockXv, stockYv]);
  peer.dispose();
  stock.dispose();
  hand.dispose();
  rmSync(dir, { recursive: true, force: true });
  return { title: '1. Learner vs the limit vs the peer (MNIST CNN, one epoch)', markdown, goals };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runLearnerBench((m) => console.error(m));
  console.log(r.markdown);
  console.log(r.goals);
}
