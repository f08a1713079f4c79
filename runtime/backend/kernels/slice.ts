import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, SliceAttrs, SplitVAttrs, TensorInfo } from '@tensorflow/tfjs';
import { inFrontOf } from './fast-path.ts';
import { onHeap, type WasmHeapBackend } from './wasm-heap.ts';

type HeapArray = Float32Array | Int32Array | Uint8Array;

/**
 * x[begin : begin + size] copied heap to heap in contiguous runs: the trailing axes that are taken whole are
 * merged into one run, and one `set` copies each run.
 */
function sliceHeap(backend: WasmHeapBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  onHeap(backend, x);
  const out = backend.makeOutput(size, x.dtype as 'float32' | 'int32');
  // Views after the allocation: it may have grown (and detached) the heap.
  const src = backend.typedArrayFromHeap(x) as HeapArray;
  const dst = backend.typedArrayFromHeap(out) as HeapArray;
  const shape = x.shape;
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  // The first axis from which on every axis is taken whole (after it): one run covers it and everything inside.
  let d0 = rank - 1;
  while (d0 > 0 && size[d0] === shape[d0] && begin[d0] === 0) d0--;
  const run = size.slice(d0).reduce((p, s) => p * s, 1);
  const runStart = (rank === 0 ? 0 : begin[d0]! * (d0 < rank - 1 ? strides[d0]! : 1));
  if (dst.length === 0) return out;
  // Odometer over the axes before d0.
  const index = new Array<number>(d0).fill(0);
  for (let o = 0; o < dst.length; o += run) {
    let from = runStart;
    for (let d = 0; d < d0; d++) from += (begin[d]! + index[d]!) * strides[d]!;
    dst.set(src.subarray(from, from + run), o);
    for (let d = d0 - 1; d >= 0; d--) {
      if (++index[d]! < size[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

const heapDtype = (info: TensorInfo): boolean => info.dtype === 'float32' || info.dtype === 'int32' || info.dtype === 'bool';

/**
 * `Slice` on `wasm`: tfjs 4.22's stock kernel first copies the *whole* input out of the heap (`readSync`), so
 * every slice costs the size of its source (a data loader's batch, an LSTM's gate). Here the slice is copied
 * heap to heap. Strings go to the stock kernel.
 */
export function sliceWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    if (!heapDtype(x)) return null;
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    tf.slice_util.assertParamsValid(x as tf.Tensor, begin_, size_);
    return sliceHeap(backend, x, begin_, size_);
  });
}

/** `SplitV` on `wasm`: the pieces by the heap slice above (the stock kernel runs the stock slice once per piece). */
export function splitVWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    if (!heapDtype(x)) return null;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const piece = sliceHeap(backend, x, [...begin], size);
      begin[ax]! += s;
      return piece;
    });
  });
}
