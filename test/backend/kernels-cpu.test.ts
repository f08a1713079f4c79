import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, isTapfitKernel, referenceKernel } from '../../runtime/backend/index.ts';
import { conv2dBackpropFilter } from '../../runtime/backend/kernels/conv2d-backprop-filter.ts';
import { conv2dBackpropInput } from '../../runtime/backend/kernels/conv2d-backprop-input.ts';
import { maxPoolGrad } from '../../runtime/backend/kernels/max-pool-grad.ts';
import { unsortedSegmentSum } from '../../runtime/backend/kernels/unsorted-segment-sum.ts';
import { CONV_CASES, inputShape, type ConvCase } from './conv-cases.ts';
import { prod, relativeError, runReference, seeded } from './compare.ts';
import { POOL_CASES, poolInput } from './pool-cases.ts';

const TOL = 1e-4;

beforeAll(async () => {
  expect(await initBackend('cpu')).toBe('cpu');
});

/** x, a random dy of the conv's output shape, and a filter for one case. */
function convTensors(c: ConvCase): { x: tf.Tensor4D; dy: tf.Tensor4D; w: tf.Tensor4D } {
  const shape = inputShape(c);
  const x = tf.tensor4d(seeded(prod(shape), 1), shape);
  const w = tf.tensor4d(seeded(prod(c.filter), 2), c.filter);
  const outShape = tf.tidy(() => tf.conv2d(x, w, c.strides, c.pad, c.dataFormat, 1, c.dimRoundingMode).shape);
  const dy = tf.tensor4d(seeded(prod(outShape), 3), outShape as [number, number, number, number]);
  return { x, dy, w };
}

const filterAttrs = (c: ConvCase) => ({
  strides: c.strides,
  pad: c.pad,
  dataFormat: c.dataFormat,
  dimRoundingMode: c.dimRoundingMode,
  filterShape: c.filter,
});

describe('tapfit kernels replace cpu’s slow stock kernels', () => {
  it('registers Conv2DBackpropFilter and UnsortedSegmentSum on cpu, keeping the stock ones as reference', () => {
    for (const name of [tf.Conv2DBackpropFilter, tf.UnsortedSegmentSum]) {
      expect(isTapfitKernel(name, 'cpu')).toBe(true);
      expect(referenceKernel(name, 'cpu')).toBeDefined();
    }
    // cpu's stock input and max-pool gradients are fast enough loops; tapfit leaves them.
    expect(isTapfitKernel(tf.Conv2DBackpropInput, 'cpu')).toBe(false);
    expect(isTapfitKernel(tf.MaxPoolGrad, 'cpu')).toBe(false);
  });
});

describe.each(CONV_CASES)('conv2d filter gradient equals the stock cpu kernel: $name', (c) => {
  it.each(['dilated-conv', 'im2col'] as const)('method %s', (method) => {
    tf.tidy(() => {
      const { x, dy } = convTensors(c);
      const want = runReference(tf.Conv2DBackpropFilter, 'cpu', { x, dy }, filterAttrs(c) as unknown as NamedAttrMap);
      const got = conv2dBackpropFilter(x, dy, filterAttrs(c), method);
      expect(relativeError(got, want)).toBeLessThan(TOL);
    });
  });

  it('through tf.grad of conv2d (the registered kernel)', () => {
    tf.tidy(() => {
      const { x, dy, w } = convTensors(c);
      const got = tf.grad((f: tf.Tensor) => tf.conv2d(x, f as tf.Tensor4D, c.strides, c.pad, c.dataFormat, 1, c.dimRoundingMode))(w, dy);
      const want = runReference(tf.Conv2DBackpropFilter, 'cpu', { x, dy }, filterAttrs(c) as unknown as NamedAttrMap);
      expect(relativeError(got, want)).toBeLessThan(TOL);
    });
  });
});

describe.each(CONV_CASES)('conv2d input gradient equals the stock cpu kernel: $name', (c) => {
  it('matches', () => {
    tf.tidy(() => {
      const { dy, w } = convTensors(c);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat, dimRoundingMode: c.dimRoundingMode, inputShape: inputShape(c) };
      const want = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, attrs as unknown as NamedAttrMap) as tf.Tensor;
      expect(relativeError(conv2dBackpropInput(dy, w, attrs), want)).toBeLessThan(TOL);
    });
  });
});

describe.each(POOL_CASES)('maxPool gradient equals the stock cpu kernel: $name', (c) => {
  it.each([
    { values: 'ties (relu-like)', negative: false },
    { values: 'all negative', negative: true },
  ])('$values', ({ negative }) => {
    tf.tidy(() => {
      const x = tf.tensor4d(poolInput(c.x, negative, 9), c.x);
      const y = tf.maxPool(x, c.filterSize, c.strides, c.pad, c.dimRoundingMode);
      const dy = tf.tensor4d(seeded(prod(y.shape), 10), y.shape);
      const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad, dimRoundingMode: c.dimRoundingMode };
      const want = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, attrs as unknown as NamedAttrMap) as tf.Tensor;
      expect(relativeError(maxPoolGrad(dy, x, attrs), want)).toBeLessThan(TOL);
    });
  });
});

describe('unsorted segment sum equals the stock cpu kernel', () => {
  const cases = [
    { name: 'rows, duplicate ids', x: [6, 4], ids: [[2, 0, 2, 5, 1, 2]], numSegments: 7 },
    { name: 'rank-3 values', x: [5, 2, 3], ids: [[4, 4, 0, 1, 4]], numSegments: 5 },
    { name: 'ids out of range are dropped', x: [5, 3], ids: [[0, -1, 2, 9, 2]], numSegments: 3 },
  ];
  it.each(cases)('$name', ({ x: xShape, ids, numSegments }) => {
    tf.tidy(() => {
      const x = tf.tensor(seeded(prod(xShape), 4), xShape);
      const segmentIds = ids.length === 1 ? tf.tensor1d(ids[0]!, 'int32') : tf.tensor2d(ids, undefined, 'int32');
      const want = runReference(tf.UnsortedSegmentSum, 'cpu', { x, segmentIds }, { numSegments });
      expect(relativeError(unsortedSegmentSum(x, segmentIds, numSegments), want)).toBeLessThan(TOL);
      expect(relativeError(tf.unsortedSegmentSum(x, segmentIds as tf.Tensor1D, numSegments), want)).toBeLessThan(TOL);
    });
  });

  it('takes ids of any rank that prefixes x’s shape (the stock kernel fails on those)', () => {
    tf.tidy(() => {
      const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2]);
      const ids = tf.tensor2d([[0, 2, 2], [1, 0, 2]], undefined, 'int32');
      // segment 0: rows (0,0) and (1,1); 1: (1,0); 2: (0,1), (0,2), (1,2).
      expect(unsortedSegmentSum(x, ids, 4).arraySync()).toEqual([[1 + 9, 2 + 10], [7, 8], [3 + 5 + 11, 4 + 6 + 12], [0, 0]]);
    });
  });

  it('is the gradient of gather (an embedding lookup)', () => {
    tf.tidy(() => {
      const table = tf.tensor2d(seeded(10 * 3, 5), [10, 3]);
      const ids = tf.tensor2d([[1, 7, 1], [0, 7, 7]], undefined, 'int32');
      const dy = tf.tensor3d(seeded(2 * 3 * 3, 6), [2, 3, 3]);
      const got = tf.grad((t: tf.Tensor) => tf.gather(t, ids))(table, dy);
      const want = runReference(tf.UnsortedSegmentSum, 'cpu', { x: tf.reshape(dy, [6, 3]), segmentIds: tf.reshape(ids, [6]) }, { numSegments: 10 });
      expect(relativeError(got, want)).toBeLessThan(TOL);
    });
  });
});

describe('kernel memory', () => {
  it('a tapfit kernel adds exactly its output: no tensor or buffer leaks', () => {
    const c = CONV_CASES[1]!;
    const { x, dy, w } = convTensors(c);
    const ids = tf.tensor1d([0, 2, 2, 1], 'int32');
    const values = tf.tensor2d(seeded(8, 7), [4, 2]);
    const backend = tf.backend();
    for (const run of [
      () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, filterAttrs(c) as unknown as NamedAttrMap) as tf.Tensor,
      () => tf.unsortedSegmentSum(values, ids, 3),
    ]) {
      const tensors = tf.memory().numTensors;
      const buffers = backend.numDataIds();
      const out = run();
      expect(tf.memory().numTensors).toBe(tensors + 1);
      expect(backend.numDataIds()).toBe(buffers + 1);
      out.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(backend.numDataIds()).toBe(buffers);
    }
    tf.dispose([x, dy, w, ids, values]);
  });
});
