import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { DataLoaders, TensorDataLoader } from '../../runtime/data/dataloaders.ts';
import { TapfitError, type DataLoader, type Module, type Pred } from '../../plugin-sdk/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const makeLearner = (extra: Partial<Parameters<typeof Learner.create>[0]> = {}) =>
  Learner.create({ model: new TinyLinear(), dls: tinyData(), lossFunc: 'mse', backend: 'cpu', quiet: true, ...extra });

const weights = (learn: Learner) => learn.model.parameters().map((p) => Array.from(p.dataSync()));

async function refused(run: () => Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await run().then(() => null, (e: unknown) => e);
  expect(error, 'expected an error').toBeInstanceOf(TapfitError);
  expect((error as TapfitError).code).toBe(code);
  expect((error as Error).message).toMatch(message);
}

/** Logits over `nClasses` from 2 features. */
class Classifier implements Module {
  readonly w: tf.Variable;
  constructor(nClasses: number) {
    this.w = tf.variable(tf.randomNormal([2, nClasses], 0, 0.1, 'float32', 3));
  }
  forward([x]: tf.Tensor[]): Pred {
    return tf.matMul(x as tf.Tensor2D, this.w);
  }
  parameters(): tf.Variable[] {
    return [this.w];
  }
}

function classData(trainLabels: number[], validLabels: number[]): DataLoaders {
  const x = (n: number) => tf.tensor2d(Array.from({ length: 2 * n }, (_, i) => Math.cos(i)), [n, 2]);
  return DataLoaders.fromTensors(
    { train: [x(trainLabels.length), tf.tensor1d(trainLabels, 'int32')], valid: [x(validLabels.length), tf.tensor1d(validLabels, 'int32')] },
    { batchSize: 2, shuffle: false },
  );
}

describe('fit arguments are checked before anything changes', () => {
  it.each([
    ['NaN lr', 1, Number.NaN, /lr: expected a learning rate: a number > 0 and ≤ 1000, got NaN/],
    ['infinite lr', 1, Infinity, /lr: expected a learning rate.*got Infinity/],
    ['an lr of 1e30', 1, 1e30, /lr: expected a learning rate.*got 1e\+30/],
    ['a negative lr', 1, -0.1, /lr: .*got -0\.1/],
    ['1.5 epochs', 1.5, undefined, /nEpoch: expected a positive integer, got 1\.5/],
    ['-1 epochs', -1, undefined, /nEpoch: expected a positive integer, got -1/],
    ['NaN epochs', Number.NaN, undefined, /nEpoch: expected a positive integer, got NaN/],
    ['0 epochs', 0, undefined, /nEpoch: expected a positive integer, got 0/],
  ])('fit: %s', async (_name, nEpoch, lr, message) => {
    const learn = await makeLearner();
    const before = weights(learn);
    const hypers = JSON.stringify(learn.opt.hypers);
    await refused(() => learn.fit(nEpoch as number, lr as number | undefined), 'E_CONFIG', message);
    expect(weights(learn)).toEqual(before);
    expect(JSON.stringify(learn.opt.hypers)).toBe(hypers);
    expect(learn.recorder!.losses).toEqual([]);
  });

  it('fit: a negative wd', async () => {
    const learn = await makeLearner();
    await refused(() => learn.fit(1, 0.01, { wd: -1 }), 'E_CONFIG', /wd: expected a finite number ≥ 0, got -1/);
  });

  it('the fit variants check their own arguments, named as in their signatures', async () => {
    const learn = await makeLearner();
    const hypers = JSON.stringify(learn.opt.hypers);
    await refused(() => learn.fitOneCycle(1.5, 0.01), 'E_CONFIG', /nEpoch: expected a positive integer, got 1\.5/);
    await refused(() => learn.fitOneCycle(1, 1e30), 'E_CONFIG', /^lr: expected a learning rate/);
    await refused(() => learn.fitOneCycle(1, { start: Number.NaN, end: 0.01 }), 'E_CONFIG', /lr\.start: .*got NaN/);
    await refused(() => learn.fitOneCycle(1, [0.01, Infinity]), 'E_CONFIG', /lr\[1\]: .*got Infinity/);
    await refused(() => learn.fitOneCycle(1, 0.01, { pctStart: 2 }), 'E_CONFIG', /pctStart: expected a number in \[0, 1\], got 2/);
    await refused(() => learn.fitOneCycle(1, 0.01, { div: 0 }), 'E_CONFIG', /div: expected a positive finite number, got 0/);
    await refused(() => learn.fitOneCycle(1, 0.01, { moms: [0.95, Number.NaN, 0.95] }), 'E_CONFIG', /moms\[1\]: .*got NaN/);
    await refused(() => learn.fitFlatCos(-1), 'E_CONFIG', /nEpoch: .*got -1/);
    await refused(() => learn.fitSgdr(2, 0.5), 'E_CONFIG', /cycleLen: expected a positive integer, got 0\.5/);
    await refused(() => learn.fineTune(1, Number.NaN), 'E_CONFIG', /baseLr: .*got NaN/);
    await refused(() => learn.fineTune(1, 0.01, { freezeEpochs: 1.5 }), 'E_CONFIG', /freezeEpochs: .*got 1\.5/);
    await refused(() => learn.lrFind({ endLr: Infinity }), 'E_CONFIG', /endLr: .*got Infinity/);
    await refused(() => learn.lrFind({ numIt: 0 }), 'E_CONFIG', /numIt: .*got 0/);
    await refused(() => learn.lrFind({ startLr: 1, endLr: 0.1 }), 'E_CONFIG', /endLr: expected a learning rate above startLr \(1\), got 0\.1/);
    expect(JSON.stringify(learn.opt.hypers)).toBe(hypers);
  });
});

describe('Learner.create and the data loaders', () => {
  it('create refuses a bad lr, wd or moms, naming the option', async () => {
    await refused(() => makeLearner({ lr: Number.NaN }), 'E_CONFIG', /^lr: .*got NaN/);
    await refused(() => makeLearner({ wd: Infinity }), 'E_CONFIG', /^wd: .*got Infinity/);
    await refused(() => makeLearner({ moms: [0.9, 1.5, 0.9] }), 'E_CONFIG', /^moms\[1\]: expected a number in \[0, 1\], got 1\.5/);
  });

  it('an empty training set is an error (at the loader, and for a custom loader with no batches)', async () => {
    expect(() => new TensorDataLoader([tf.zeros([0, 2])])).toThrow(/a data loader needs at least one item, got tensors of shape \[0,2\]/);
    const empty: DataLoader = { length: 0, batchSize: 2, *[Symbol.iterator]() {} };
    const dls = tinyData();
    await refused(() => makeLearner({ dls: new DataLoaders(empty, dls.valid) }), 'E_DATA', /dls\.train: the training set is empty \(0 batches\)/);
  });

  it('loader options: a NaN seed, a fractional batch size, a negative item count', async () => {
    const { mnist } = await import('../../runtime/data/mnist.ts');
    expect(() => new TensorDataLoader([tf.zeros([4, 2])], { seed: Number.NaN })).toThrow(/seed must be an integer, got NaN/);
    expect(() => new TensorDataLoader([tf.zeros([4, 2])], { batchSize: 1.5 })).toThrow(/batchSize must be a positive integer, got 1\.5/);
    expect(() => mnist({ nTrain: -5 })).toThrow(/mnist: nTrain must be a positive integer, got -5/);
    expect(() => mnist({ nValid: Number.NaN })).toThrow(/mnist: nValid must be a positive integer, got NaN/);
  });

  it('a model with no weights, and one whose weights are all frozen', async () => {
    const none: Module = { forward: ([x]) => x, parameters: () => [] };
    await refused(() => makeLearner({ model: none }), 'E_CONFIG', /model: there are no trainable weights .*parameters\(\) returned none/);
    const learn = await makeLearner();
    for (const p of learn.model.parameters()) p.trainable = false;
    await refused(() => learn.fit(1), 'E_CONFIG', /no trainable weights \(2 variables, none trainable\); unfreeze/);
    for (const p of learn.model.parameters()) p.trainable = true;
  });
});

describe('labels outside the model\'s classes', () => {
  it('first batch of train, then of valid; checked again at every fit', async () => {
    const bad = await Learner.create({ model: new Classifier(3), dls: classData([12345, 12345], [0, 1]), backend: 'cpu', quiet: true });
    const before = weights(bad);
    await refused(() => bad.fit(1, 0.1), 'E_DATA', /labels \(dls\.train, first batch, item 0\): 12345 is not a class of the model, which predicts 3 classes \(expected integers 0\.\.2 for cross-entropy\)/);
    expect(weights(bad)).toEqual(before);
    const badValid = await Learner.create({ model: new Classifier(3), dls: classData([0, 1], [2, -1]), backend: 'cpu', quiet: true });
    await refused(() => badValid.fit(1, 0.1), 'E_DATA', /labels \(dls\.valid, first batch, item 1\): -1 is not a class/);
    await refused(() => badValid.fit(1, 0.1), 'E_DATA', /dls\.valid/);
    const good = await Learner.create({ model: new Classifier(3), dls: classData([0, 1, 2, 1], [2, 0]), backend: 'cpu', quiet: true });
    await good.fit(2, 0.1);
    expect(good.recorder!.losses).toHaveLength(4);
  });
});
