import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { inFrontOf } from './fast-path.ts';
import { heapSimd, offsetOf, onHeap } from './wasm-heap.ts';

/** Whether `row` broadcasts along `x`'s last axis only: shape [C] or [1, …, 1, C] with C = x's last dim. */
function isRowOf(row: TensorInfo, x: TensorInfo): boolean {
  const cols = x.shape.at(-1);
  return row.shape.at(-1) === cols && row.shape.length <= x.shape.length && row.shape.slice(0, -1).every((d) => d === 1) && x.shape.length >= 2;
}

/**
 * `Add` on `wasm` of a tensor and a row broadcast along its last axis (a bias: [B,H,W,C] + [C]): one pass
 * (kernels.wat's `add_row`). tfjs 4.22's stock kernel takes ~4.5× as long as an add of equal shapes there.
 * Every other add goes to the stock kernel.
 */
export function addWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
    const [x, row] = isRowOf(b, a) ? [a, b] : isRowOf(a, b) ? [b, a] : [null, null];
    const simd = x === null ? null : heapSimd(backend);
    if (x === null || row === null || simd === null) return null;
    onHeap(backend, x, row);
    const cols = x.shape.at(-1)!;
    const out = backend.makeOutput([...x.shape], 'float32');
    simd.add_row(offsetOf(backend, x), offsetOf(backend, row), offsetOf(backend, out), tf.util.sizeFromShape(x.shape) / cols, cols);
    return out;
  });
}
