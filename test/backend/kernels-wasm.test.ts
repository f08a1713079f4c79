import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, isTapfitKernel, referenceKernel } from '../../runtime/backend/index.ts';
import { heapSimd, type WasmHeapBackend } from '../../runtime/backend/kernels/wasm-heap.ts';
import { CONV_CASES, inputShape, type ConvCase } from './conv-cases.ts';
import { prod, relativeError, runReference, seeded } from './compare.ts';
import { POOL_CASES, poolInput, type PoolCase } from './pool-cases.ts';

const TOL = 1e-4;
// wasm's conv2d (which tapfit's kernels run on) takes NHWC only.
const WASM_CASES = CONV_CASES.filter((c) => c.dataFormat === 'NHWC');

interface Expected {
  x: number[];
  shape: number[];
  values: Float32Array;
}
const filterGrads = new Map<string, Expected>();
const convOutputs = new Map<string, Expected>();
const fusedOutputs = new Map<string, Expected>();
const inputGrads = new Map<string, Expected>();
let segmentSum: Float32Array;
const poolGrads = new Map<string, Expected>();
const pooled = new Map<string, Expected>();
const poolKey = (c: PoolCase, negative: boolean): string => `${c.name}/${negative}`;

function poolInputs(c: PoolCase, negative: boolean): { x: tf.Tensor4D; y: tf.Tensor4D; dy: tf.Tensor4D } {
  const x = tf.tensor4d(poolInput(c.x, negative, 15), c.x);
  const y = tf.maxPool(x, c.filterSize, c.strides, c.pad, c.dimRoundingMode);
  const dy = tf.tensor4d(seeded(prod(y.shape), 16), y.shape);
  return { x, y, dy };
}
const poolAttrs = (c: PoolCase): NamedAttrMap =>
  ({ filterSize: c.filterSize, strides: c.strides, pad: c.pad, dimRoundingMode: c.dimRoundingMode }) as unknown as NamedAttrMap;

/** conv2d + bias + relu through tfjs's fused op (one FusedConv2D kernel where no gradient is taken). */
function fusedConv(c: ConvCase, x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const bias = tf.tensor1d(seeded(c.filter[3], 17));
  return tf.fused.conv2d({ x, filter: w, strides: c.strides, pad: c.pad, dataFormat: c.dataFormat, dimRoundingMode: c.dimRoundingMode, bias, activation: 'relu' });
}

function convInputs(c: ConvCase): { x: tf.Tensor4D; w: tf.Tensor4D; dy: tf.Tensor4D } {
  const x = tf.tensor4d(seeded(prod(inputShape(c)), 11), inputShape(c));
  const w = tf.tensor4d(seeded(prod(c.filter), 12), c.filter);
  const outShape = tf.tidy(() => tf.conv2d(x, w, c.strides, c.pad, c.dataFormat, 1, c.dimRoundingMode).shape);
  const dy = tf.tensor4d(seeded(prod(outShape), 13), outShape as [number, number, number, number]);
  return { x, w, dy };
}

interface MatMulCase {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}
/** Every transpose combination, odd sizes, batches; both of the kernel's forms (as is, and transposed back). */
const MATMUL_CASES: MatMulCase[] = [
  { a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
  { a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
  { a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
  { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
  { a: [2, 9, 4], b: [2, 6, 4], transposeA: false, transposeB: true },
  { a: [3, 4, 9], b: [3, 4, 2], transposeA: true, transposeB: false },
  // Copying b and the small result beats copying a (the kernel computes Cᵀ = bᵀ·a).
  { a: [2, 40, 3], b: [2, 40, 2], transposeA: true, transposeB: false },
];
const matMulKey = (c: MatMulCase): string => JSON.stringify(c);
const matMuls = new Map<string, Expected>();
const matMulGrads = new Map<string, Expected[]>();
function matMulInputs(c: MatMulCase): { a: tf.Tensor; b: tf.Tensor } {
  return { a: tf.tensor(seeded(prod(c.a), 21), c.a), b: tf.tensor(seeded(prod(c.b), 22), c.b) };
}
const matMul = (c: MatMulCase) => (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, c.transposeA, c.transposeB);

interface GatherCase {
  name: string;
  x: number[];
  dtype: 'float32' | 'int32';
  indices: number[];
  indicesShape: number[];
  axis: number;
}
const GATHER_CASES: GatherCase[] = [
  { name: 'rows of a matrix, repeated ids', x: [6, 3], dtype: 'float32', indices: [5, 0, 2, 2], indicesShape: [4], axis: 0 },
  { name: 'images by a 2-D index', x: [5, 4, 3, 2], dtype: 'float32', indices: [4, 1, 0, 3, 3, 2], indicesShape: [2, 3], axis: 0 },
  { name: 'int32 rows', x: [7, 2], dtype: 'int32', indices: [6, 1], indicesShape: [2], axis: 0 },
  { name: 'axis 1 (stock kernel)', x: [3, 5, 2], dtype: 'float32', indices: [4, 0], indicesShape: [2], axis: 1 },
];
const gathers = new Map<string, Expected>();
function gatherInputs(c: GatherCase): { x: tf.Tensor; indices: tf.Tensor } {
  const values = c.dtype === 'int32' ? Int32Array.from(seeded(prod(c.x), 23), (v) => Math.round(v * 1000)) : seeded(prod(c.x), 23);
  return { x: tf.tensor(values, c.x, c.dtype), indices: tf.tensor(c.indices, c.indicesShape, 'int32') };
}

interface SumCase {
  x: number[];
  axis: number | number[];
  keepDims: boolean;
}
/** Leading axes (the fast path; unsorted, negative, keepDims, long columns) and others (the stock kernel). */
const SUM_CASES: SumCase[] = [
  { x: [4, 3, 5, 7], axis: [0, 1, 2], keepDims: false },
  { x: [4, 3, 5, 8], axis: [2, 0, 1], keepDims: true },
  { x: [9, 6], axis: -2, keepDims: false },
  { x: [5000, 3], axis: 0, keepDims: false },
  { x: [4, 3, 5], axis: [1], keepDims: false },
  { x: [4, 3, 5], axis: [1, 2], keepDims: true },
];
const sums = new Map<string, Expected>();
const sumInput = (c: SumCase): tf.Tensor => tf.tensor(seeded(prod(c.x), 25), c.x);

interface LayoutCase {
  name: string;
  x: number[];
  dtype: 'float32' | 'int32' | 'bool';
  run: (x: tf.Tensor) => tf.Tensor | tf.Tensor[];
}
/** Slice (contiguous, strided, rank 1–5, empty, every dtype), SplitV and Transpose: fast paths and stock cases. */
const LAYOUT_CASES: LayoutCase[] = [
  { name: 'slice: leading rows (one run)', x: [5, 4, 3, 6], dtype: 'float32', run: (x) => tf.slice(x, [1, 0, 0, 0], [2, -1, -1, -1]) },
  { name: 'slice: a box inside', x: [5, 4, 3, 6], dtype: 'float32', run: (x) => tf.slice(x, [1, 1, 0, 2], [3, 2, 3, 3]) },
  { name: 'slice: rank 1', x: [7], dtype: 'float32', run: (x) => tf.slice(x, [2], [4]) },
  { name: 'slice: int32 columns', x: [6, 5], dtype: 'int32', run: (x) => tf.slice(x, [0, 1], [6, 3]) },
  { name: 'slice: bool', x: [4, 4], dtype: 'bool', run: (x) => tf.slice(x, [1, 1], [2, 2]) },
  { name: 'slice: empty', x: [3, 4], dtype: 'float32', run: (x) => tf.slice(x, [0, 0], [0, 4]) },
  { name: 'slice: rank 5', x: [2, 3, 2, 3, 2], dtype: 'float32', run: (x) => tf.slice(x, [1, 0, 1, 0, 1], [1, 3, 1, 2, 1]) },
  { name: 'split: LSTM gates (axis 0, 4 pieces)', x: [16, 6], dtype: 'float32', run: (x) => tf.split(x, 4, 0) },
  { name: 'split: axis 1, uneven sizes', x: [4, 6, 5], dtype: 'float32', run: (x) => tf.split(x, [1, 3, 2], 1) },
  { name: 'split: last axis, int32', x: [3, 5], dtype: 'int32', run: (x) => tf.split(x, 5, -1) },
  { name: 'transpose: matrix', x: [5, 7], dtype: 'float32', run: (x) => tf.transpose(x) },
  { name: 'transpose: batch of matrices', x: [3, 4, 5], dtype: 'float32', run: (x) => tf.transpose(x, [0, 2, 1]) },
  { name: 'transpose: other perm (stock)', x: [3, 4, 5], dtype: 'float32', run: (x) => tf.transpose(x, [2, 0, 1]) },
  { name: 'transpose: int32 (stock)', x: [3, 4], dtype: 'int32', run: (x) => tf.transpose(x) },
];
const layouts = new Map<string, { shape: number[]; dtype: string; values: number[] }[]>();
function layoutInput(c: LayoutCase): tf.Tensor {
  const v = seeded(prod(c.x), 26);
  if (c.dtype === 'float32') return tf.tensor(v, c.x);
  if (c.dtype === 'int32') return tf.tensor(Int32Array.from(v, (a) => Math.round(a * 100)), c.x, 'int32');
  return tf.tensor(Array.from(v, (a) => a > 0), c.x, 'bool');
}
const asList = (t: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(t) ? t : [t]);

const SEGMENT_X = [8, 3];
const SEGMENT_IDS = [3, 0, 3, 5, 1, 3, 0, 5];

// References come from the stock cpu kernels, computed before switching to wasm.
beforeAll(async () => {
  await initBackend('cpu');
  tf.tidy(() => {
    for (const c of WASM_CASES) {
      const { x, w, dy } = convInputs(c);
      const common = { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat, dimRoundingMode: c.dimRoundingMode };
      const dw = runReference(tf.Conv2DBackpropFilter, 'cpu', { x, dy }, { ...common, filterShape: c.filter } as unknown as NamedAttrMap);
      filterGrads.set(c.name, { x: x.shape, shape: dw.shape, values: dw.dataSync() as Float32Array });
      const y = tf.conv2d(x, w, c.strides, c.pad, c.dataFormat, 1, c.dimRoundingMode);
      convOutputs.set(c.name, { x: x.shape, shape: y.shape, values: y.dataSync() as Float32Array });
      const fused = fusedConv(c, x, w);
      fusedOutputs.set(c.name, { x: x.shape, shape: fused.shape, values: fused.dataSync() as Float32Array });
      const dx = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { ...common, inputShape: inputShape(c) } as unknown as NamedAttrMap) as tf.Tensor;
      inputGrads.set(c.name, { x: x.shape, shape: dx.shape, values: dx.dataSync() as Float32Array });
    }
    for (const c of POOL_CASES) {
      for (const negative of [false, true]) {
        const { x, y, dy } = poolInputs(c, negative);
        const dx = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, poolAttrs(c)) as tf.Tensor;
        poolGrads.set(poolKey(c, negative), { x: x.shape, shape: dx.shape, values: dx.dataSync() as Float32Array });
        pooled.set(poolKey(c, negative), { x: x.shape, shape: y.shape, values: y.dataSync() as Float32Array });
      }
    }
    for (const c of MATMUL_CASES) {
      const { a, b } = matMulInputs(c);
      const y = matMul(c)(a, b);
      matMuls.set(matMulKey(c), { x: c.a, shape: y.shape, values: y.dataSync() as Float32Array });
      const dy = tf.tensor(seeded(prod(y.shape), 24), y.shape);
      const grads = tf.grads(matMul(c))([a, b], dy);
      matMulGrads.set(matMulKey(c), grads.map((g) => ({ x: c.a, shape: g.shape, values: g.dataSync() as Float32Array })));
    }
    for (const c of LAYOUT_CASES) {
      layouts.set(c.name, asList(c.run(layoutInput(c))).map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) })));
    }
    for (const c of SUM_CASES) {
      const y = tf.sum(sumInput(c), c.axis, c.keepDims);
      sums.set(JSON.stringify(c), { x: c.x, shape: y.shape, values: y.dataSync() as Float32Array });
    }
    for (const c of GATHER_CASES) {
      const { x, indices } = gatherInputs(c);
      const y = tf.gather(x, indices, c.axis);
      gathers.set(c.name, { x: c.x, shape: y.shape, values: y.dataSync() as Float32Array });
    }
    const x = tf.tensor2d(seeded(prod(SEGMENT_X), 14), SEGMENT_X as [number, number]);
    segmentSum = runReference(tf.UnsortedSegmentSum, 'cpu', { x, segmentIds: tf.tensor1d(SEGMENT_IDS, 'int32') }, { numSegments: 6 }).dataSync() as Float32Array;
  });
  expect(await initBackend('wasm')).toBe('wasm');
});

describe('tapfit kernels on wasm', () => {
  it('fill the kernels stock wasm lacks and replace its slow conv2d input and wrong max-pool gradients', () => {
    expect(isTapfitKernel(tf.Conv2DBackpropFilter, 'wasm')).toBe(true);
    expect(isTapfitKernel(tf.UnsortedSegmentSum, 'wasm')).toBe(true);
    expect(referenceKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeUndefined();
    expect(referenceKernel(tf.UnsortedSegmentSum, 'wasm')).toBeUndefined();
    expect(isTapfitKernel(tf.Conv2DBackpropInput, 'wasm')).toBe(true);
    expect(referenceKernel(tf.Conv2DBackpropInput, 'wasm')).toBeDefined();
    expect(isTapfitKernel(tf.MaxPoolGrad, 'wasm')).toBe(true);
    expect(referenceKernel(tf.MaxPoolGrad, 'wasm')).toBeDefined();
  });

  // The heap kernels run as WebAssembly SIMD (kernels.wat) and, where SIMD is missing, as JavaScript: both are checked.
  describe.each(['simd', 'javascript'] as const)('%s heap kernels', (impl) => {
    beforeAll(() => {
      if (impl === 'javascript') process.env.TAPFIT_NO_SIMD_KERNELS = '1';
    });
    afterAll(() => {
      delete process.env.TAPFIT_NO_SIMD_KERNELS;
    });

    it(impl === 'simd' ? 'uses the SIMD module' : 'uses JavaScript', () => {
      expect(heapSimd(tf.backend() as unknown as WasmHeapBackend) !== null).toBe(impl === 'simd');
    });

    describe.each(WASM_CASES)('conv2d gradients equal the stock cpu kernels: $name', (c) => {
      it('filter and input, through tf.grads of conv2d', () => {
        tf.tidy(() => {
          const { x, w, dy } = convInputs(c);
          const [dx, dw] = tf.grads((xs: tf.Tensor, f: tf.Tensor) =>
            tf.conv2d(xs as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad, c.dataFormat, 1, c.dimRoundingMode),
          )([x, w], dy);
          const wantW = filterGrads.get(c.name)!;
          const wantX = inputGrads.get(c.name)!;
          expect(relativeError(dw!, tf.tensor(wantW.values, wantW.shape))).toBeLessThan(TOL);
          expect(relativeError(dx!, tf.tensor(wantX.values, wantX.shape))).toBeLessThan(TOL);
        });
      });

      it('conv2d, and conv2d + bias + relu fused, equal the cpu kernels', () => {
        tf.tidy(() => {
          const { x, w } = convInputs(c);
          const want = convOutputs.get(c.name)!;
          expect(relativeError(tf.conv2d(x, w, c.strides, c.pad, c.dataFormat, 1, c.dimRoundingMode), tf.tensor(want.values, want.shape))).toBeLessThan(TOL);
          const wantFused = fusedOutputs.get(c.name)!;
          expect(relativeError(fusedConv(c, x, w), tf.tensor(wantFused.values, wantFused.shape))).toBeLessThan(TOL);
        });
      });

      it('input gradient equals wasm’s stock kernel', () => {
        tf.tidy(() => {
          const { w, dy } = convInputs(c);
          const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat, dimRoundingMode: c.dimRoundingMode, inputShape: inputShape(c) };
          const want = runReference(tf.Conv2DBackpropInput, 'wasm', { dy, filter: w }, attrs as unknown as NamedAttrMap);
          const got = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, attrs as unknown as NamedAttrMap) as tf.Tensor;
          expect(relativeError(got, want)).toBeLessThan(TOL);
        });
      });
    });

    describe.each(POOL_CASES)('maxPool gradient equals the stock cpu kernel: $name', (c) => {
      it.each([false, true])('all-negative windows: %s, maxPool itself', (negative) => {
        tf.tidy(() => {
          const { x } = poolInputs(c, negative);
          const want = pooled.get(poolKey(c, negative))!;
          const got = tf.maxPool(x, c.filterSize, c.strides, c.pad, c.dimRoundingMode);
          expect(got.shape).toEqual(want.shape);
          expect(Array.from(got.dataSync())).toEqual(Array.from(want.values));
        });
      });

      it.each([false, true])('all-negative windows: %s (through tf.grad of maxPool)', (negative) => {
        tf.tidy(() => {
          const { x, dy } = poolInputs(c, negative);
          const got = tf.grad((xs: tf.Tensor) => tf.maxPool(xs as tf.Tensor4D, c.filterSize, c.strides, c.pad, c.dimRoundingMode))(x, dy);
          const want = poolGrads.get(poolKey(c, negative))!;
          expect(relativeError(got, tf.tensor(want.values, want.shape))).toBeLessThan(TOL);
        });
      });
    });
  });

  it('maxPool 2×2/2 skips NaN as the cpu kernel does, and its gradient goes where the max came from', () => {
    tf.tidy(() => {
      // one image 2×4, 4 channels: window 1 holds NaN, 1, NaN, 0 in every channel; window 2 only NaN
      const nan = Number.NaN;
      const pixels = [nan, 1, nan, nan, nan, 0, nan, nan];
      const x = tf.tensor4d(pixels.flatMap((v) => [v, v, v, v]), [1, 2, 4, 4]);
      expect(Array.from(tf.maxPool(x, 2, 2, 'valid').dataSync())).toEqual([1, 1, 1, 1, -Infinity, -Infinity, -Infinity, -Infinity]);
      const dx = tf.grad((xs: tf.Tensor) => tf.maxPool(xs as tf.Tensor4D, 2, 2, 'valid'))(x, tf.ones([1, 1, 2, 4]));
      expect(Array.from(dx.dataSync())).toEqual(pixels.flatMap((_, i) => (i === 1 ? [1, 1, 1, 1] : [0, 0, 0, 0])));
    });
  });

  // Documents why tapfit replaces wasm's MaxPoolGrad; if a tfjs release fixes it, this fails and ours can go.
  it('stock wasm MaxPoolGrad is wrong on all-negative windows (tfjs 4.22)', () => {
    tf.tidy(() => {
      const c = POOL_CASES[0]!;
      const { x, y, dy } = poolInputs(c, true);
      const stock = runReference(tf.MaxPoolGrad, 'wasm', { dy, input: x, output: y }, poolAttrs(c));
      const want = poolGrads.get(poolKey(c, true))!;
      expect(relativeError(stock, tf.tensor(want.values, want.shape))).toBeGreaterThan(0.5);
    });
  });

  it('puts fast paths in front of wasm’s stock BatchMatMul, GatherV2 and Sum, keeping those as reference', () => {
    for (const name of [tf.BatchMatMul, tf.GatherV2, tf.Sum]) {
      expect(isTapfitKernel(name, 'wasm')).toBe(true);
      expect(referenceKernel(name, 'wasm')).toBeDefined();
    }
  });

  describe.each(MATMUL_CASES)('matMul equals the stock cpu kernel: a $a (transposed: $transposeA), b $b (transposed: $transposeB)', (c) => {
    it('values and both gradients', () => {
      tf.tidy(() => {
        const { a, b } = matMulInputs(c);
        const want = matMuls.get(matMulKey(c))!;
        const y = matMul(c)(a, b);
        expect(relativeError(y, tf.tensor(want.values, want.shape))).toBeLessThan(TOL);
        const dy = tf.tensor(seeded(prod(y.shape), 24), y.shape);
        const grads = tf.grads(matMul(c))([a, b], dy);
        matMulGrads.get(matMulKey(c))!.forEach((g, i) => expect(relativeError(grads[i]!, tf.tensor(g.values, g.shape))).toBeLessThan(TOL));
      });
    });

    it('equals wasm’s stock kernel', () => {
      tf.tidy(() => {
        const { a, b } = matMulInputs(c);
        const attrs = { transposeA: c.transposeA, transposeB: c.transposeB } as unknown as NamedAttrMap;
        const a3 = a.rank === 2 ? a.expandDims(0) : a;
        const b3 = b.rank === 2 ? b.expandDims(0) : b;
        const want = runReference(tf.BatchMatMul, 'wasm', { a: a3, b: b3 }, attrs);
        const got = tf.engine().runKernel(tf.BatchMatMul, { a: a3, b: b3 }, attrs) as tf.Tensor;
        expect(relativeError(got, want)).toBeLessThan(TOL);
      });
    });
  });

  it.each(LAYOUT_CASES)('$name equals the stock cpu kernels', (c) => {
    tf.tidy(() => {
      const got = asList(c.run(layoutInput(c))).map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }));
      expect(got).toEqual(layouts.get(c.name));
    });
  });

  it('slice and split fast paths stand in front of the stock wasm kernels; transpose too', () => {
    for (const name of [tf.Slice, tf.SplitV, tf.Transpose]) {
      expect(isTapfitKernel(name, 'wasm')).toBe(true);
      expect(referenceKernel(name, 'wasm')).toBeDefined();
    }
  });

  it.each(['float32', 'int32', 'bool'] as const)('identity (clone) shares the data without a copy and outlives its input: %s', (dtype) => {
    expect(isTapfitKernel(tf.Identity, 'wasm')).toBe(true);
    const before = tf.memory();
    const x = tf.tensor([1, 0, 3, 4], [2, 2], dtype);
    const values = Array.from(x.dataSync());
    const copy = tf.clone(x);
    const backend = tf.backend() as unknown as WasmHeapBackend;
    expect(backend.getMemoryOffset(copy.dataId)).toBe(backend.getMemoryOffset(x.dataId));
    // one buffer for both (tfjs counts numBytes per tensor, shared or not)
    expect((tf.memory() as { numDataBuffers: number }).numDataBuffers).toBe((before as { numDataBuffers: number }).numDataBuffers + 1);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual(values);
    expect(copy.dtype).toBe(dtype);
    copy.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('cast to the same dtype shares the data; a real cast converts as the stock kernel does', () => {
    expect(isTapfitKernel(tf.Cast, 'wasm')).toBe(true);
    tf.tidy(() => {
      const backend = tf.backend() as unknown as WasmHeapBackend;
      const x = tf.tensor([1.5, -2.7, 3, 0], [2, 2]);
      const same = tf.cast(x, 'float32');
      expect(backend.getMemoryOffset(same.dataId)).toBe(backend.getMemoryOffset(x.dataId));
      expect(Array.from(same.dataSync())).toEqual(Array.from(x.dataSync()));
      const ints = tf.cast(x, 'int32');
      expect(ints.dtype).toBe('int32');
      expect(Array.from(ints.dataSync())).toEqual([1, -2, 3, 0]);
      // tfjs 4.22's stock wasm kernel gives [1, 254, 3, 0] here (the low byte)
      expect(Array.from(tf.cast(ints, 'bool').dataSync())).toEqual([1, 1, 1, 0]);
      expect(Array.from(tf.cast(tf.tensor([0.5, -0, 256, Number.NaN]), 'bool').dataSync())).toEqual([1, 0, 1, 1]);
    });
  });

  it.each([
    { name: 'bias over NHWC', x: [2, 3, 5, 8], row: [8] },
    { name: 'row first, odd width', x: [4, 7], row: [1, 7] },
    { name: 'keep-dims row', x: [3, 2, 6], row: [1, 1, 6] },
    { name: 'not a row (stock)', x: [3, 4], row: [3, 1] },
  ])('add of a broadcast row equals the stock kernel: $name', ({ x, row }) => {
    tf.tidy(() => {
      const xs = tf.tensor(seeded(prod(x), 27), x);
      const rs = tf.tensor(seeded(prod(row), 28), row);
      for (const [a, b] of [[xs, rs], [rs, xs]] as const) {
        const want = runReference(tf.Add, 'wasm', { a, b }, {});
        const got = tf.add(a, b);
        expect(got.shape).toEqual(want.shape);
        expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      }
    });
  });

  it.each(SUM_CASES)('sum equals the stock cpu kernel: x $x, axis $axis, keepDims $keepDims', (c) => {
    tf.tidy(() => {
      const got = tf.sum(sumInput(c), c.axis, c.keepDims);
      const want = sums.get(JSON.stringify(c))!;
      expect(relativeError(got, tf.tensor(want.values, want.shape))).toBeLessThan(TOL);
    });
  });

  describe.each(GATHER_CASES)('gather equals the stock cpu kernel: $name', (c) => {
    it('values', () => {
      tf.tidy(() => {
        const { x, indices } = gatherInputs(c);
        const got = tf.gather(x, indices, c.axis);
        const want = gathers.get(c.name)!;
        expect(got.dtype).toBe(c.dtype);
        expect(got.shape).toEqual(want.shape);
        expect(Array.from(got.dataSync())).toEqual(Array.from(want.values));
      });
    });
  });

  it('gather with an index out of range fails as the stock kernel does', () => {
    tf.tidy(() => {
      const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
      expect(() => tf.gather(x, tf.tensor1d([0, 2], 'int32'))).toThrow(/GatherV2: the index value 2 is not in \[0, 1\]/);
    });
  });

  it('segment sum equals the stock cpu kernel', () => {
    tf.tidy(() => {
      const x = tf.tensor2d(seeded(prod(SEGMENT_X), 14), SEGMENT_X as [number, number]);
      const got = tf.unsortedSegmentSum(x, tf.tensor1d(SEGMENT_IDS, 'int32'), 6);
      expect(relativeError(got, tf.tensor2d(segmentSum, [6, 3]))).toBeLessThan(TOL);
    });
  });
});

// A tensor made on another backend (data loaded before the wasm backend started) moves to the wasm heap on its
// first lookup, which allocates; tfjs's typedArrayFromHeap reads the heap's buffer before that lookup, so a
// kernel must bring every input onto the heap before it takes a view (the MNIST example failed on this once).
describe('tapfit wasm kernels with inputs that still live on cpu', () => {
  async function onCpu<T>(make: () => T): Promise<T> {
    await tf.setBackend('cpu');
    try {
      return make();
    } finally {
      await tf.setBackend('wasm');
    }
  }

  it('bring every input onto the heap before taking a view of it', async () => {
    const backend = tf.backend() as unknown as WasmHeapBackend & { dataIdMap: { has(id: object): boolean } };
    const inputs = await onCpu(() => ({
      x: tf.tensor4d(seeded(2 * 6 * 6 * 5, 31), [2, 6, 6, 5]),
      ids: tf.tensor1d([1, 0, 1], 'int32'),
      m: tf.tensor2d(seeded(12, 32), [3, 4]),
      dy: tf.tensor4d(seeded(2 * 6 * 6 * 3, 33), [2, 6, 6, 3]),
      pooledDy: tf.tensor4d(seeded(2 * 3 * 3 * 5, 34), [2, 3, 3, 5]),
    }));
    const original = backend.typedArrayFromHeap.bind(backend);
    const notYetOnHeap: string[] = [];
    backend.typedArrayFromHeap = (info) => {
      if (!backend.dataIdMap.has(info.dataId)) notYetOnHeap.push(`[${info.shape}]`);
      return original(info);
    };
    try {
      tf.tidy(() => {
        tf.gather(inputs.x, inputs.ids);
        tf.slice(inputs.x, [0, 1, 1, 0], [1, 2, 2, 5]);
        tf.split(inputs.m, 3, 0);
        tf.transpose(inputs.m);
        tf.matMul(inputs.m, inputs.m, true, false);
        tf.sum(inputs.x, [0, 1, 2]);
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: inputs.x, dy: inputs.dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 5, 3] } as unknown as NamedAttrMap);
        tf.engine().runKernel(tf.MaxPoolGrad, { dy: inputs.pooledDy, input: inputs.x, output: inputs.pooledDy }, { filterSize: 2, strides: 2, pad: 'valid' } as unknown as NamedAttrMap);
      });
    } finally {
      backend.typedArrayFromHeap = original;
      tf.dispose(Object.values(inputs));
    }
    expect(notYetOnHeap).toEqual([]);
  });

  it('gather a batch from a cpu dataset larger than the heap (the move grows the heap mid-kernel)', async () => {
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
    const rows = Math.ceil(backend.wasm.HEAPU8.length / (784 * 4)) + 64;
    const x = await onCpu(() => tf.tidy(() => tf.reshape(tf.range(0, rows * 784, 1, 'float32'), [rows, 784])));
    try {
      const got = tf.tidy(() => tf.gather(x, tf.tensor1d([rows - 1, 3], 'int32')).dataSync());
      expect(got[0]).toBe((rows - 1) * 784);
      expect(got[783]).toBe(rows * 784 - 1);
      expect(got[784]).toBe(3 * 784);
    } finally {
      x.dispose();
    }
  });
});
