import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataLoaders, TensorDataLoader } from '../../runtime/data/dataloaders.ts';
import { mnist, mnistArrays } from '../../runtime/data/mnist.ts';

const collect = (dl: TensorDataLoader) => [...dl].map((b) => { const v = b.map((t) => Array.from(t.dataSync())); tf.dispose(b); return v; });

describe('DataLoaders.fromTensors', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('batches in order without shuffle and keeps the last partial batch', () => {
    const dl = new TensorDataLoader([tf.range(0, 10).reshape([10, 1]), tf.range(100, 110)], { batchSize: 4 });
    expect(dl.length).toBe(3);
    const batches = collect(dl);
    expect(batches.map((b) => b[0])).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batches.map((b) => b[1])).toEqual([[100, 101, 102, 103], [104, 105, 106, 107], [108, 109]]);
    dl.dispose();
  });

  it('shuffles deterministically from a seed, keeping x and y aligned, a new order each pass', () => {
    const make = () => new TensorDataLoader([tf.range(0, 20), tf.range(0, 20).mul(10)], { batchSize: 8, shuffle: true, seed: 3 });
    const [a, b] = [make(), make()];
    const pass1 = collect(a);
    expect(collect(b)).toEqual(pass1);
    for (const [x, y] of pass1) expect(y).toEqual(x.map((v) => v * 10));
    expect(pass1.flatMap((p) => p[0]).sort((u, v) => u - v)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(collect(a)).not.toEqual(pass1);
    a.dispose();
    b.dispose();
  });

  it('resumes the same shuffle from its state dict', () => {
    const a = new TensorDataLoader([tf.range(0, 16)], { batchSize: 4, shuffle: true, seed: 9 });
    collect(a);
    const state = a.stateDict();
    const next = collect(a);
    const b = new TensorDataLoader([tf.range(0, 16)], { batchSize: 4, shuffle: true, seed: 1 });
    b.loadStateDict(state);
    expect(collect(b)).toEqual(next);
  });

  it('refuses tensors of different lengths', () => {
    expect(() => new TensorDataLoader([tf.zeros([3]), tf.zeros([4])])).toThrow(/same first dimension: got 3 vs 4/);
  });

  it('refuses an nInp that is not a positive integer (a model with no inputs fails obscurely)', () => {
    const data = { train: [tf.zeros([4, 2]), tf.zeros([4, 1])], valid: [tf.zeros([2, 2]), tf.zeros([2, 1])] };
    for (const nInp of [0, 1.5, -1]) {
      expect(() => DataLoaders.fromTensors(data, { nInp })).toThrow(/nInp \(the number of input tensors in a batch\) must be a positive integer/);
    }
    expect(DataLoaders.fromTensors(data, { nInp: 2 }).nInp).toBe(2);
    tf.dispose([...data.train, ...data.valid]);
  });

  it('refuses a batch size that is not a positive integer (2.5 would cut items at fractional offsets)', () => {
    const x = tf.zeros([5]);
    for (const batchSize of [2.5, 0, -1, Number.NaN]) {
      expect(() => new TensorDataLoader([x], { batchSize })).toThrow(/batchSize must be a positive integer/);
    }
    x.dispose();
  });

  it('fromTensors shuffles train, not valid', () => {
    const dls = DataLoaders.fromTensors({ train: [tf.range(0, 32)], valid: [tf.range(0, 8)] }, { batchSize: 8, seed: 1 });
    expect((dls.train as TensorDataLoader).shuffle).toBe(true);
    expect((dls.valid as TensorDataLoader).shuffle).toBe(false);
    dls.dispose();
  });
});

describe('mnist', () => {
  it('gives real, balanced, disjoint digits in [0, 1]', () => {
    const { train, valid } = mnistArrays({ nTrain: 200, nValid: 100 });
    expect(train.x.length).toBe(200 * 784);
    const counts = Array.from({ length: 10 }, (_, d) => train.y.filter((y) => y === d).length);
    expect(counts).toEqual(Array(10).fill(20));
    expect(train.x.every((v) => v >= 0 && v <= 1)).toBe(true);
    // Real digits: most pixels are background, a real share is ink.
    const ink = train.x.filter((v) => v > 0.5).length / train.x.length;
    expect(ink).toBeGreaterThan(0.05);
    expect(ink).toBeLessThan(0.4);
    const key = (x: Float32Array, i: number) => x.slice(i * 784, (i + 1) * 784).join(',');
    const trainSet = new Set(Array.from({ length: 200 }, (_, i) => key(train.x, i)));
    expect(Array.from({ length: 100 }, (_, i) => key(valid.x, i)).some((k) => trainSet.has(k))).toBe(false);
  });

  it('builds DataLoaders of (n,28,28,1) float32 and int32 labels', () => {
    const dls = mnist({ nTrain: 100, nValid: 50, batchSize: 32 });
    expect(dls.train.length).toBe(4);
    const [x, y] = dls.valid[Symbol.iterator]().next().value!;
    expect(x.shape).toEqual([32, 28, 28, 1]);
    expect(y.dtype).toBe('int32');
    tf.dispose([x, y]);
    dls.dispose();
  });
});
