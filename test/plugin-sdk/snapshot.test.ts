import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { modelVariables, snapshotFromData, snapshotWeights, tensorData, tensorFromData, type Module } from '../../plugin-sdk/index.ts';
import { createOptimizer } from '../../runtime/optimizer/index.ts';

/** Two weights and an int32 buffer. */
function tinyModel(): Module & { w: tf.Variable; b: tf.Variable; count: tf.Variable } {
  const w = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
  const b = tf.variable(tf.tensor1d([0.5]));
  const count = tf.variable(tf.tensor1d([7], 'int32'), false);
  return { w, b, count, forward: ([x]) => x, parameters: () => [w, b], buffers: () => [count] };
}

const values = (vs: readonly tf.Tensor[]) => vs.map((v) => Array.from(v.dataSync()));

describe('snapshotWeights', () => {
  it('copies parameters then buffers, and restore() puts them back into the same variables', async () => {
    const model = tinyModel();
    const opt = await createOptimizer(model.parameters(), 'sgd', { lr: 0.1 });
    const learn = { model, opt };
    expect(modelVariables(learn)).toEqual([model.w, model.b, model.count]);
    const before = tf.memory().numTensors;
    const snap = snapshotWeights(learn);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.tidy(() => {
      model.w.assign(tf.zeros([2, 2]));
      model.count.assign(tf.tensor1d([9], 'int32'));
    });
    snap.restore(learn);
    expect(values(modelVariables(learn))).toEqual([[1, 2, 3, 4], [0.5], [7]]);
    snap.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with optimizer: true, also puts back the optimizer hypers and state', async () => {
    const model = tinyModel();
    const opt = await createOptimizer(model.parameters(), 'adam', { lr: 0.1 });
    const learn = { model, opt };
    const grads = [tf.onesLike(model.w), tf.onesLike(model.b)];
    opt.step(grads);
    const saved = JSON.stringify(opt.stateDict());
    const snap = snapshotWeights(learn, { optimizer: true });
    opt.step(grads);
    opt.setHyper('lr', 5);
    snap.restore(learn);
    expect(JSON.stringify(opt.stateDict())).toBe(saved);
    snap.dispose();
    tf.dispose(grads);
  });

  it('round-trips through plain data (float32 and int32 kept), and refuses a model of another size', async () => {
    const model = tinyModel();
    const learn = { model, opt: await createOptimizer(model.parameters(), 'sgd') };
    const data = snapshotWeights(learn).toData();
    expect(data.map((d) => d.values.constructor.name)).toEqual(['Float32Array', 'Float32Array', 'Int32Array']);
    const back = snapshotFromData(data);
    expect(back.tensors.map((t) => t.dtype)).toEqual(['float32', 'float32', 'int32']);
    expect(values(back.tensors)).toEqual([[1, 2, 3, 4], [0.5], [7]]);
    const smaller = { model: { ...model, buffers: undefined }, opt: learn.opt };
    expect(() => back.restore(smaller)).toThrow('weight snapshot: the model has 2 weights and buffers, the snapshot 3');
    back.dispose();
  });
});

describe('tensorData / tensorFromData', () => {
  it('copy the values (a later change to the tensor does not show) and read plain numbers as float32', () => {
    const v = tf.variable(tf.tensor2d([[1.5, -2]]));
    const data = tensorData(v);
    v.assign(tf.zeros([1, 2]));
    expect(data).toEqual({ shape: [1, 2], values: Float32Array.from([1.5, -2]) });
    const t = tensorFromData({ shape: [2], values: [0.1, 3] });
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.dataSync())).toEqual(Array.from(Float32Array.from([0.1, 3])));
    tf.dispose([v, t]);
  });
});
