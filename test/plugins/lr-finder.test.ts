import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { definePlugin, type Learner as LearnerView } from '../../plugin-sdk/index.ts';
import { Learner } from '../../runtime/learner/learner.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

/** The tiny linear model with one buffer (a step counter, as batch-norm keeps running statistics). */
class LinearWithBuffer extends TinyLinear {
  readonly counter = tf.variable(tf.zeros([1]), false);
  buffers(): tf.Variable[] {
    return [this.counter];
  }
}

/** Bumps the model's buffer after every step, so a sweep changes it. */
const bumpBuffer = definePlugin({
  name: 'bump-buffer',
  afterStep(learn: LearnerView) {
    const { counter } = learn.model as LinearWithBuffer;
    tf.tidy(() => counter.assign(counter.add(1)));
  },
});

describe('lr-finder (by hand, as a plugin of one fit)', () => {
  it('sets lr = startLr·(endLr/startLr)^(trainIter/numIt) before each batch, stops after numIt batches across epochs', async () => {
    const learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(3, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true });
    const validated: number[] = [];
    const spy = definePlugin({ name: 'spy', afterValidate: (l) => void validated.push(l.epoch) });
    await learn.fit(4, undefined, { plugins: [['lr-finder', { startLr: 1e-4, endLr: 1e-1, numIt: 8, stopDiv: false }], spy] });
    const lrs = learn.recorder!.lrs;
    expect(lrs).toHaveLength(8); // 3 + 3 + 2 batches: the position is trainIter/numIt, not pctTrain
    lrs.forEach((lr, k) => expect(lr).toBeCloseTo(1e-4 * 1e3 ** (k / 8), 15));
    expect(learn.recorder!.values.every((row) => row[1] === null)).toBe(true); // validation skipped
    expect(learn.plugin('lr-finder')).toBeUndefined();
  });

  it('puts back the weights, the buffers and the optimizer (state and hypers), and frees its copies', async () => {
    const model = new LinearWithBuffer();
    const learn = await Learner.create({ model, dls: tinyData(4, 1, 2), lossFunc: 'mse', optimizer: 'adam', backend: 'cpu', quiet: true, plugins: [bumpBuffer] });
    await learn.fit(1); // optimizer state to restore (at learn.lr: the sweep's fit starts by setting it, as fastai's does)
    expect(model.counter.dataSync()[0]).toBe(4);
    const weights = model.parameters().map((p) => Array.from(p.dataSync()));
    const opt = JSON.stringify(learn.opt.stateDict());
    const tensors = tf.memory().numTensors;
    let seen = 0;
    const watch = definePlugin({ name: 'watch', afterFit: (l) => void (seen = (l.model as LinearWithBuffer).counter.dataSync()[0]) });
    await learn.fit(2, undefined, { plugins: [['lr-finder', { numIt: 6, stopDiv: false }], watch] });
    expect(seen).toBe(4 + 6); // the sweep stepped (watch runs before lr-finder's afterFit)
    expect(model.counter.dataSync()[0]).toBe(4);
    expect(model.parameters().map((p) => Array.from(p.dataSync()))).toEqual(weights);
    expect(JSON.stringify(learn.opt.stateDict())).toBe(opt);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
