import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Learner, type LearnerOptions } from '../../runtime/learner/learner.ts';
import { DataLoaders } from '../../runtime/data/dataloaders.ts';
import { accuracy, perplexity, resolveMetric } from '../../runtime/metrics.ts';
import { CancelTrainError, CancelValidateError, definePlugin, type Metric, type Plugin, type RecorderView } from '../../plugin-sdk/index.ts';
import { SmoothLoss, WeightedMeans } from '../../plugins/recorder/averages.ts';
import { formatTime, metricNames } from '../../plugins/recorder/index.ts';
import { TinyLinear } from '../helpers/tiny.ts';

/** Regression data: `nTrain` items in batches of `bs` (the last may be partial), `nValid` items likewise. */
function regression(nTrain: number, nValid: number, bs: number): DataLoaders {
  const make = (n: number, offset: number) => {
    const x = tf.tensor2d(Array.from({ length: n * 2 }, (_, i) => Math.sin(i * 1.3 + offset)), [n, 2]);
    const y = tf.tidy(() => x.matMul(tf.tensor2d([[2], [-1]])).add(0.3));
    return [x, y];
  };
  return DataLoaders.fromTensors({ train: make(nTrain, 0), valid: make(nValid, 50) }, { batchSize: bs, shuffle: false });
}

const mseMetric: Metric = { name: 'tst_metric', fn: (pred, y) => tf.losses.meanSquaredError(y, pred) as tf.Scalar };

function create(dls: DataLoaders, extra: Partial<LearnerOptions> = {}) {
  return Learner.create({ model: new TinyLinear(), dls, lossFunc: 'mse', optimizer: 'sgd', lr: 0.05, backend: 'cpu', quiet: true, ...extra });
}

/** Reads every raw training loss (an extra read per batch, for the test only). */
function rawLosses() {
  const losses: number[] = [];
  const plugin: Plugin = definePlugin({ name: 'raw-losses', runValid: false, afterLoss: (learn) => void losses.push(learn.loss!.dataSync()[0]) });
  return { plugin, losses };
}

function ema(raw: readonly number[], beta = 0.98, start = { count: 0, val: 0 }): number[] {
  let { count, val } = start;
  return raw.map((x) => {
    count += 1;
    val = beta * val + (1 - beta) * x;
    return val / (1 - beta ** count);
  });
}

describe('averages (TC21)', () => {
  it('SmoothLoss(0.98) fed 1, 2, 3 gives 1, 1.5050505, 2.0134676', () => {
    const s = new SmoothLoss(0.98);
    const values = [1, 2, 3].map((x) => (s.add(x), s.value!));
    [1.0, 1.5050505, 2.0134676].forEach((v, i) => expect(values[i]).toBeCloseTo(v, 7));
  });

  it('AvgLoss: batch means 1, 2, 4 with sizes 16, 16, 8 average to 2.0', () => {
    const means = new WeightedMeans(true, []);
    const pred = tf.zeros([1]);
    for (const [loss, bs] of [[1, 16], [2, 16], [4, 8]]) {
      tf.tidy(() => means.add(tf.scalar(loss), pred, [tf.zeros([bs])]));
    }
    expect(means.read()).toEqual([2]);
    means.dispose();
    pred.dispose();
  });

  it('AvgMetric over uneven splits [0:30, 30:50, 50:60, 60:100] equals the metric on the whole set', () => {
    const logits = tf.randomNormal([100, 5], 0, 1, 'float32', 3);
    const labels = tf.tensor1d(Array.from({ length: 100 }, (_, i) => (i * 7) % 5), 'int32');
    const means = new WeightedMeans(false, [resolveMetric('accuracy'), perplexity]);
    for (const [a, b] of [[0, 30], [30, 50], [50, 60], [60, 100]]) {
      tf.tidy(() => means.add(null, logits.slice(a, b - a), [labels.slice(a, b - a)]));
    }
    const [acc, ppl] = means.read() as number[];
    expect(acc).toBeCloseTo(accuracy(logits, labels).dataSync()[0], 6);
    // Perplexity is exp of the mean cross-entropy over the whole set, not a mean of per-batch perplexities.
    const ce = tf.tidy(() => (perplexity.fn(logits, labels) as tf.Scalar).dataSync()[0]);
    expect(ppl).toBeCloseTo(Math.exp(ce), 4);
    means.dispose();
    tf.dispose([logits, labels]);
  });
});

describe('recorder', () => {
  it('records the debiased EMA (β 0.98) of the raw batch losses, carried across epochs (TC21)', async () => {
    const learn = await create(regression(10, 4, 2));
    const { plugin, losses } = rawLosses();
    await learn.fit(3, undefined, { plugins: [plugin] });
    const r = learn.recorder!;
    expect(losses).toHaveLength(15);
    const expected = ema(losses);
    expect(r.losses).toHaveLength(15);
    r.losses.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
    expect(r.iters).toEqual([5, 10, 15]);
    // train_loss is the smoothed loss at the end of each epoch; learn.smoothLoss the latest.
    expect(r.values.map((row) => row[0])).toEqual([expected[4], expected[9], expected[14]]);
    expect(learn.smoothLoss).toBe(expected[14]);
    expect(r.lrs).toEqual(Array(15).fill(0.05));
  });

  it('valid loss and metrics are means over the validation set weighted by batch size', async () => {
    // 7 validation items in batches of 3, 3, 1: an unweighted mean of batch means would differ.
    const dls = regression(6, 7, 3);
    const learn = await create(dls, { metrics: [mseMetric, 'accuracy'] });
    const lossOfBatch: number[] = [];
    const probe = definePlugin({ name: 'probe', afterBatch: (l) => void (!l.training && lossOfBatch.push(l.loss!.dataSync()[0])) });
    await learn.fit(1, undefined, { plugins: [probe] });
    const [, validLoss, tst] = learn.recorder!.values[0] as number[];
    const weighted = (lossOfBatch[0] * 3 + lossOfBatch[1] * 3 + lossOfBatch[2]) / 7;
    expect(validLoss).toBeCloseTo(weighted, 6);
    expect(tst).toBeCloseTo(weighted, 6);
    expect(Math.abs(validLoss - (lossOfBatch[0] + lossOfBatch[1] + lossOfBatch[2]) / 3)).toBeGreaterThan(1e-4);
    const [x, y] = (dls.valid as unknown as { tensors: tf.Tensor[] }).tensors;
    const full = tf.tidy(() => tf.losses.meanSquaredError(y, learn.model.forward([x], { training: false }) as tf.Tensor).dataSync()[0]);
    expect(validLoss).toBeCloseTo(full, 5);
    expect(learn.recorder!.finalRecord).toEqual(learn.recorder!.values[0].slice(1));
  });

  it('perplexity is exp of the validation cross-entropy', async () => {
    const x = tf.randomNormal([24, 2], 0, 1, 'float32', 1);
    const y = tf.tensor1d(Array.from({ length: 24 }, (_, i) => i % 2), 'int32');
    const xv = tf.randomNormal([10, 2], 0, 1, 'float32', 2);
    const yv = tf.tensor1d(Array.from({ length: 10 }, (_, i) => (i * 3) % 2), 'int32');
    const dls = DataLoaders.fromTensors({ train: [x, y], valid: [xv, yv] }, { batchSize: 4, shuffle: false });
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
    const learn = await Learner.create({ model, dls, lossFunc: 'cross-entropy', metrics: ['perplexity'], backend: 'cpu', quiet: true });
    await learn.fit(2, 1e-2);
    expect(learn.recorder!.metricNames).toEqual(['epoch', 'train_loss', 'valid_loss', 'perplexity', 'time']);
    for (const [, validLoss, ppl] of learn.recorder!.values as number[][]) expect(ppl).toBeCloseTo(Math.exp(validLoss), 5);
  });

  it('TC22: metric names for the default, trainMetrics and addTime=false; the log row has the shape [0, f, f, f, mm:ss]', async () => {
    expect(metricNames(['tst_metric'], {})).toEqual(['epoch', 'train_loss', 'valid_loss', 'tst_metric', 'time']);
    expect(metricNames(['tst_metric'], { trainMetrics: true })).toEqual(['epoch', 'train_loss', 'train_tst_metric', 'valid_loss', 'valid_tst_metric', 'time']);
    expect(metricNames(['tst_metric'], { addTime: false })).toEqual(['epoch', 'train_loss', 'valid_loss', 'tst_metric']);
    expect(metricNames(['tst_metric'], { validMetrics: false, trainMetrics: true })).toEqual(['epoch', 'train_loss', 'tst_metric', 'time']);

    const learn = await create(regression(4, 4, 2), { metrics: [mseMetric] });
    await learn.fit(1);
    const log = learn.recorder!.log;
    expect(log).toHaveLength(5);
    expect(log[0]).toBe(0);
    for (const v of log.slice(1, 4)) expect(typeof v).toBe('number');
    expect(log[4]).toMatch(/^\d\d:\d\d$/);

    const both = await create(regression(4, 4, 2), { metrics: [mseMetric], defaultPlugins: false, plugins: [['recorder', { trainMetrics: true }]] });
    await both.fit(1);
    const r = both.recorder!;
    expect(r.metricNames).toEqual(['epoch', 'train_loss', 'train_tst_metric', 'valid_loss', 'valid_tst_metric', 'time']);
    expect(r.values[0]).toHaveLength(4);
    expect(r.values[0][3]).toBeCloseTo(r.values[0][2]!, 6); // valid mse metric = valid mse loss
    expect(r.finalRecord).toEqual(r.values[0].slice(2));
  });

  it('fastai time format: mm:ss, h:mm:ss past an hour', () => {
    expect(formatTime(0.4)).toBe('00:00');
    expect(formatTime(75.9)).toBe('01:15');
    expect(formatTime(3600 + 62)).toBe('1:01:02');
  });

  it('a cancelled phase leaves null cells in its columns instead of shifting them', async () => {
    const learn = await create(regression(4, 4, 2), { metrics: [mseMetric] });
    const canceller = definePlugin({
      name: 'canceller',
      beforeValidate: (l) => {
        if (l.epoch === 0) throw new CancelValidateError();
      },
      afterBatch: (l) => {
        if (l.training && l.epoch === 1) throw new CancelTrainError();
      },
    });
    await learn.fit(2, undefined, { plugins: [canceller] });
    const [e0, e1] = learn.recorder!.values;
    expect(e0).toHaveLength(3);
    expect(e0[0]).toEqual(expect.any(Number));
    expect(e0.slice(1)).toEqual([null, null]);
    expect(e1[0]).toBeNull();
    expect(e1[1]).toEqual(expect.any(Number));
    expect(e1[2]).toEqual(expect.any(Number));
    expect(learn.recorder!.log.slice(0, 4)).toEqual([1, null, e1[1], e1[2]]);
  });

  it('keeps notes, cleared at the next fit', async () => {
    const learn = await create(regression(4, 2, 2));
    const noter = definePlugin({ name: 'noter', afterEpoch: (l) => l.recorder!.addNote(`saw epoch ${l.epoch}`) });
    await learn.fit(2, undefined, { plugins: [noter] });
    expect(learn.recorder!.notes).toEqual(['saw epoch 0', 'saw epoch 1']);
    await learn.fit(1);
    expect(learn.recorder!.notes).toEqual([]);
  });

  it('stateDict/loadStateDict: a resumed run continues every series, the smoothing included', async () => {
    const dls = regression(6, 2, 2);
    const first = await create(dls);
    const raw = rawLosses();
    await first.fit(2, undefined, { plugins: [raw.plugin] });
    const state = JSON.parse(JSON.stringify((first.recorder as unknown as Plugin).stateDict!()));

    const second = await create(dls);
    (second.recorder as unknown as Plugin).loadStateDict!(state);
    const more = rawLosses();
    await second.fit(1, undefined, { plugins: [more.plugin] });
    const r = second.recorder!;
    expect(r.values).toHaveLength(3);
    expect(r.values.slice(0, 2)).toEqual(first.recorder!.values);
    expect(r.iters).toEqual([3, 6, 9]);
    expect(r.losses).toHaveLength(9);
    expect(r.losses.slice(0, 6)).toEqual(first.recorder!.losses);
    const continued = ema([...raw.losses, ...more.losses]);
    r.losses.slice(6).forEach((v, i) => expect(v).toBeCloseTo(continued[6 + i], 12));
    expect(r.hps.lr).toHaveLength(9);
    // The next fit (not a resume) starts afresh.
    await second.fit(1);
    expect(r.values).toHaveLength(1);
  });

  it('reads the training loss lazily: one device read per readEvery batches, none extra for validation metrics', async () => {
    const reads = async (plugins: LearnerOptions['plugins'], defaultPlugins: boolean) => {
      const learn = await create(regression(16, 6, 2), { metrics: [mseMetric, { ...mseMetric, name: 'm2' }], plugins, defaultPlugins });
      const backend = tf.backend() as unknown as { readSync: (id: unknown) => unknown };
      const original = backend.readSync;
      let count = 0;
      backend.readSync = function (this: unknown, id: unknown) {
        count += 1;
        return original.call(this, id);
      };
      try {
        await learn.fit(2);
      } finally {
        backend.readSync = original;
      }
      return { count, recorder: learn.recorder };
    };
    const base = (await reads([], false)).count;
    const everyBatch = await reads([], true); // cpu default: readEvery 1
    const lazy = await reads([['recorder', { readEvery: 4 }]], false);
    // Per epoch: 8 training batches, and the whole validation phase (loss + 2 metrics) in one read.
    expect(everyBatch.count - base).toBe(2 * (8 + 1));
    expect(lazy.count - base).toBe(2 * (8 / 4 + 1));
    expect((lazy.recorder as RecorderView).losses).toEqual((everyBatch.recorder as RecorderView).losses);
    expect(lazy.recorder!.values).toEqual(everyBatch.recorder!.values);
  });

  it('holds no tensors between epochs', async () => {
    const counts: number[] = [];
    const learn = await create(regression(8, 4, 2), { metrics: [mseMetric], defaultPlugins: false, plugins: [['recorder', { trainMetrics: true }]] });
    const counter = definePlugin({ name: 'counter', order: 99, afterEpoch: () => void counts.push(tf.memory().numTensors) });
    await learn.fit(3, undefined, { plugins: [counter] });
    expect(new Set(counts).size).toBe(1);
  });
});
