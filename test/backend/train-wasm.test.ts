import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, registerTapfitKernels, unregisterTapfitKernels } from '../../runtime/backend/index.ts';
import { seeded } from './compare.ts';

beforeAll(async () => {
  expect(await initBackend('wasm')).toBe('wasm');
});
afterEach(() => registerTapfitKernels('wasm'));

/** Plain SGD on the given variables; returns the loss before each step. */
function train(vars: tf.Variable[], loss: () => tf.Scalar, steps: number, lr: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, vars);
      for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, lr)));
      losses.push(value.dataSync()[0]!);
    });
  }
  return losses;
}

function cnn() {
  const x = tf.tensor4d(seeded(8 * 12 * 12, 21), [8, 12, 12, 1]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
  const conv1 = tf.variable(tf.tensor4d(seeded(3 * 3 * 1 * 4, 22).map((v) => v * 0.5), [3, 3, 1, 4]));
  const conv2 = tf.variable(tf.tensor4d(seeded(3 * 3 * 4 * 6, 23).map((v) => v * 0.3), [3, 3, 4, 6]));
  const dense = tf.variable(tf.tensor2d(seeded(54 * 3, 24).map((v) => v * 0.2), [54, 3]));
  const vars = [conv1, conv2, dense];
  const loss = (): tf.Scalar => {
    const h1 = tf.maxPool(tf.relu(tf.conv2d(x, conv1, 1, 'same')), 2, 2, 'valid');
    const h2 = tf.relu(tf.conv2d(h1, conv2, 2, 'same'));
    const logits = tf.matMul(tf.reshape(h2, [8, 54]), dense);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  };
  return { vars, loss, inputs: [x, labels] };
}

function embedding() {
  const ids = tf.tensor2d([[1, 4, 4, 7], [2, 2, 9, 0], [5, 3, 8, 1]], undefined, 'int32');
  const target = tf.tensor2d(seeded(3 * 5, 25), [3, 5]);
  const table = tf.variable(tf.tensor2d(seeded(10 * 5, 26), [10, 5]));
  const loss = (): tf.Scalar => tf.losses.meanSquaredError(target, tf.mean(tf.gather(table, ids), 1)) as tf.Scalar;
  return { vars: [table], loss, inputs: [ids, target] };
}

describe.each([
  { name: 'CNN (conv2d, maxPool, dense)', make: cnn, lr: 0.5 },
  { name: 'embedding (gather)', make: embedding, lr: 2 },
])('$name on wasm', ({ make, lr }) => {
  it('trains: the loss falls over a few SGD steps, with no tensor leaked', () => {
    const model = make();
    train(model.vars, model.loss, 1, lr);
    const tensors = tf.memory().numTensors;
    const buffers = tf.backend().numDataIds();
    const losses = train(model.vars, model.loss, 5, lr);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(buffers);
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]!);
    expect(losses.at(-1)!).toBeLessThan(0.9 * losses[0]!);
    tf.dispose([...model.vars, ...model.inputs]);
  });

  it('cannot train with stock wasm kernels alone (why tapfit registers its own)', () => {
    const model = make();
    unregisterTapfitKernels('wasm');
    expect(() => train(model.vars, model.loss, 1, lr)).toThrow(/'(Conv2DBackpropFilter|UnsortedSegmentSum)' not registered for backend 'wasm'/);
    tf.dispose([...model.vars, ...model.inputs]);
  });
});
