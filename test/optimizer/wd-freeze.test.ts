import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Learner, type LearnerOptions } from '../../runtime/learner/learner.ts';
import { DataLoaders } from '../../runtime/data/dataloaders.ts';
import { LayersModule } from '../../runtime/models/layers-module.ts';
import { definePlugin, type Module } from '../../plugin-sdk/index.ts';

/** TC24's model: a linear layer then a batch norm, as a tf.sequential (built lazily by tfjs). */
const linBn = () =>
  tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 5, name: 'lin', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.batchNormalization({ name: 'bn' }),
    ],
  });

/** Every gradient set to 1 before the step, so that a plain SGD step moves each weight by exactly −lr. */
const onesGrads = definePlugin({
  name: 'ones-grads',
  beforeStep: (learn) => {
    const ones: tf.NamedTensorMap = {};
    for (const [name, g] of Object.entries(learn.grads ?? {})) ones[name] = tf.onesLike(g);
    learn.grads = ones;
  },
});

/** SGD with decoupled wd = 1 over 5 training batches at lr 1e-2; returns each weight's values before and after. */
async function tc24(options: Partial<LearnerOptions> = {}, prepare?: (learn: Learner) => void) {
  const model = linBn();
  const x = tf.tensor2d(Array.from({ length: 40 }, (_, i) => Math.sin(i)), [10, 4]);
  const y = tf.tensor2d(Array.from({ length: 50 }, (_, i) => Math.cos(i)), [10, 5]);
  const dls = DataLoaders.fromTensors({ train: [x, y], valid: [x, y] }, { batchSize: 2, shuffle: false });
  const learn = await Learner.create({ model, dls, lossFunc: 'mse', optimizer: 'sgd', wd: 1, backend: 'cpu', quiet: true, plugins: [onesGrads], ...options });
  prepare?.(learn);
  const weights = () => Object.fromEntries(model.trainableWeights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
  const before = weights();
  await learn.fit(1, 1e-2);
  const after = weights();
  const change = (name: string) => after[name].map((v, i) => v - before[name][i]);
  return { before, after, change };
}

/** [linear params], [bn params], and a third group holding a variable outside the model (fastai's `[a, b]`). */
const splitter = (extra: tf.Variable) => (m: Module) => {
  const [kernel, bias, gamma, beta] = m.parameters();
  return [[kernel, bias], [gamma, beta], [extra]];
};

const expectMovedBy = (deltas: number[], d: number) => deltas.forEach((v) => expect(v).toBeCloseTo(d, 6));

describe('weight-decay exclusions and train_bn with a tf.sequential model (TC24)', () => {
  it('decays the linear weight only: its bias and the batch-norm weights move by exactly 5·(−lr)', async () => {
    const { before, after, change } = await tc24();
    expectMovedBy(change('lin/bias'), -0.05);
    expectMovedBy(change('bn/gamma'), -0.05);
    expectMovedBy(change('bn/beta'), -0.05);
    // Decoupled wd: p ← p·(1 − lr·wd) − lr, five times.
    const expected = before['lin/kernel'].map((p) => {
      for (let i = 0; i < 5; i++) p = p * (1 - 1e-2) - 1e-2;
      return p;
    });
    after['lin/kernel'].forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    expect(change('lin/kernel').some((v) => Math.abs(v + 0.05) > 1e-3)).toBe(true);
  });

  it('freeze() before the first batch keeps the linear layer frozen for the whole fit; the batch norm still trains', async () => {
    const extra = tf.variable(tf.scalar(0), true, 'tc24_extra_a');
    const { change } = await tc24({ splitter: splitter(extra) }, (learn) => learn.opt.freeze());
    expect(change('lin/kernel').every((v) => v === 0)).toBe(true);
    expect(change('lin/bias').every((v) => v === 0)).toBe(true);
    expectMovedBy(change('bn/gamma'), -0.05);
    expectMovedBy(change('bn/beta'), -0.05);
  });

  it('with trainBn: false, freeze() leaves all four unchanged; freezeTo(-2) trains the batch norm only; unfreeze() all', async () => {
    const frozen = await tc24({ splitter: splitter(tf.variable(tf.scalar(0), true, 'tc24_extra_b')), trainBn: false }, (l) => l.opt.freeze());
    for (const name of ['lin/kernel', 'lin/bias', 'bn/gamma', 'bn/beta']) expect(frozen.change(name).every((v) => v === 0)).toBe(true);

    const bnOnly = await tc24({ splitter: splitter(tf.variable(tf.scalar(0), true, 'tc24_extra_c')), trainBn: false }, (l) => l.opt.freezeTo(-2));
    expect(bnOnly.change('lin/kernel').every((v) => v === 0)).toBe(true);
    expectMovedBy(bnOnly.change('bn/beta'), -0.05);

    const all = await tc24({ splitter: splitter(tf.variable(tf.scalar(0), true, 'tc24_extra_d')), trainBn: false }, (l) => {
      l.opt.freeze();
      l.opt.unfreeze();
    });
    expectMovedBy(all.change('lin/bias'), -0.05);
    expectMovedBy(all.change('bn/gamma'), -0.05);
  });

  it('exempts "<layer>/bias" weights from wd, not every weight whose name contains "bias"', () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 2, name: 'unbiased_proj' }), tf.layers.dense({ units: 1, name: 'out' })],
    });
    const names = new LayersModule(model).noWeightDecay().map((v) => v.name);
    expect(names).toEqual(['unbiased_proj/bias', 'out/bias']);
  });
});
