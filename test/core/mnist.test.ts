import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { mnist } from '../../runtime/data/mnist.ts';
import { mnistCnn } from '../../runtime/models/mnist.ts';
import { accuracy } from '../../runtime/metrics.ts';
import type { TensorDataLoader } from '../../runtime/data/dataloaders.ts';

describe('real training on MNIST', () => {
  it('a small CNN reaches ≥ 90% validation accuracy after 1 epoch on 2,000 digits (default backend)', async () => {
    const counts: number[] = [];
    const dls = mnist({ nTrain: 2000, nValid: 1000, batchSize: 32, seed: 0 });
    const learn = await Learner.create({
      model: mnistCnn({ seed: 0 }),
      dls,
      optimizer: 'adam',
      lr: 1e-2,
      defaultPlugins: false,
      quiet: true,
      plugins: [{ name: 'tensor-count', afterEpoch: () => void counts.push(tf.memory().numTensors) }],
    });
    const started = Date.now();
    await learn.fit(1);
    const seconds = (Date.now() - started) / 1000;
    const [x, y] = (dls.valid as TensorDataLoader).tensors;
    const acc = tf.tidy(() => accuracy(learn.model.forward([x], { training: false }) as tf.Tensor, y).dataSync()[0]);
    expect(acc).toBeGreaterThanOrEqual(0.9);
    expect(seconds).toBeLessThan(60);
    await learn.fit(2);
    expect(new Set(counts).size).toBe(1);
  });
});
