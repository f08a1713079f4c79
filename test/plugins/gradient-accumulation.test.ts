import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { mnist } from '../../runtime/data/mnist.ts';
import { mnistMlp } from '../../runtime/models/mnist.ts';
import gradientAccumulation from '../../plugins/gradient-accumulation/index.ts';
import { eventLog } from '../helpers/events.ts';

async function mnistLearner(batchSize: number, plugins: Parameters<typeof Learner.create>[0]['plugins'] = []) {
  const dls = mnist({ nTrain: 256, nValid: 64, batchSize, shuffle: false, seed: 0 });
  return Learner.create({ model: mnistMlp({ seed: 3, hidden: 32 }), dls, optimizer: 'sgd', lr: 0.1, plugins, backend: 'cpu', quiet: true });
}
const weights = (learn: Learner) => learn.model.parameters().map((p) => Array.from(p.dataSync()));

describe("gradient-accumulation (fastai's GradientAccumulation)", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('MNIST, SGD without momentum: nAcc = 64 at batch size 16 gives the weights of batch size 64 (float32 tolerance)', async () => {
    const accumulated = await mnistLearner(16, [gradientAccumulation({ nAcc: 64 })]);
    const plain = await mnistLearner(64);
    const w0 = weights(plain);
    await accumulated.fit(1);
    await plain.fit(1);
    const [a, p] = [weights(accumulated), weights(plain)];
    let maxDiff = 0;
    let moved = 0;
    a.forEach((layer, l) => layer.forEach((v, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - p[l][i]));
      moved = Math.max(moved, Math.abs(p[l][i] - w0[l][i]));
    }));
    expect(moved).toBeGreaterThan(1e-2); // 4 real steps happened
    expect(maxDiff).toBeLessThan(1e-5);
    // The recorded losses are the batches' own (unscaled) losses: 16 of them, the same scale as without.
    expect(accumulated.recorder!.losses).toHaveLength(16);
    expect(accumulated.recorder!.values[0][1]).toBeCloseTo(plain.recorder!.values[0][1] as number, 4);
  });

  it('order 6, training only; cancels 3 batches of 4 (afterCancelBatch), steps on the 4th; no leaks', async () => {
    const log = eventLog();
    const learn = await mnistLearner(16, [gradientAccumulation({ nAcc: 64 }), log.plugin]);
    const plugin = learn.plugin('gradient-accumulation')!;
    expect(plugin.order).toBe(6);
    expect(plugin.runValid).toBe(false);
    await learn.fit(1);
    const n0 = tf.memory().numTensors;
    await learn.fit(2, undefined, { checkLeaks: true });
    expect(tf.memory().numTensors).toBe(n0);
    const cancels = log.events.filter((e) => e === 'afterCancelBatch').length;
    const steps = log.events.filter((e) => e === 'afterStep').length;
    expect({ cancels, steps }).toEqual({ cancels: 3 * 12, steps: 12 }); // 16 batches × 3 epochs: 4 steps each
  });

  it('a wrong option is refused naming the plugin and key', () => {
    expect(() => gradientAccumulation({ nAcc: 0 })).toThrow(/gradient-accumulation[\s\S]*nAcc/);
  });
});
