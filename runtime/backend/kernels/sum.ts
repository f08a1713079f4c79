import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import { inFrontOf } from './fast-path.ts';
import { heapSimd, heapTensor, offsetOf, onHeap } from './wasm-heap.ts';

/**
 * `Sum` on `wasm` over every axis but the last (a bias gradient: dy [B,H,W,C] → [C]): one pass over the rows,
 * accumulated in float64 (kernels.wat's `sum_rows`). tfjs 4.22's stock kernel first transposes the reduced axes
 * to the back, a full copy of dy. Every other reduction goes to the stock kernel.
 */
export function sumWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const rank = x.shape.length;
    const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
    const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
    const simd = leading && x.dtype === 'float32' ? heapSimd(backend) : null;
    if (simd === null) return null;
    onHeap(backend, x);
    const cols = x.shape[rank - 1]!;
    const rows = tf.util.sizeFromShape(x.shape.slice(0, -1));
    const outShape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols];
    const out = backend.makeOutput(outShape, 'float32');
    const acc = heapTensor(backend, [2 * cols]); // cols float64s of scratch
    try {
      simd.sum_rows(offsetOf(backend, x), offsetOf(backend, out), offsetOf(backend, acc), rows, cols);
    } finally {
      acc.dispose();
    }
    return out;
  });
}
