import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESET_NAMES, createOptimizer } from '../../runtime/optimizer/index.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('1,000 steps of each preset keep the tensor count constant', () => {
  for (const preset of PRESET_NAMES) {
    it(preset, async () => {
      const params = [tf.variable(tf.tensor([1, -2, 3])), tf.variable(tf.tensor([[0.5, 0.1], [-0.3, 2]]))];
      const grads = [tf.tensor([0.1, 0.2, -0.3]), tf.tensor([[0.01, -0.2], [0.3, 0.05]])];
      const baseline = tf.memory().numTensors;
      const opt = await createOptimizer(params, preset, { lr: 1e-3, mom: 0.9, wd: 0.01 });
      opt.step(grads); // creates the state
      const afterFirst = tf.memory().numTensors;
      for (let i = 1; i < 1000; i++) opt.step(i % 2 ? grads : { [params[0].name]: grads[0], [params[1].name]: grads[1] });
      expect(tf.memory().numTensors).toBe(afterFirst);
      expect(grads.every((g) => !g.isDisposed)).toBe(true);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(baseline);
      [...params, ...grads].forEach((t) => t.dispose());
    });
  }
});
