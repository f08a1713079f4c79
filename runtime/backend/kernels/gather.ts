import * as tf from '@tensorflow/tfjs';
import type { GatherV2Attrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { inFrontOf } from './fast-path.ts';
import { onHeap } from './wasm-heap.ts';

/**
 * `GatherV2` on `wasm` along axis 0 (a batch of rows from a dataset, an embedding lookup): one heap-to-heap row
 * copy per index. tfjs 4.22's stock kernel computes every element's source index, ~1.7 ms for 64 MNIST images.
 * Other axes, batch dims, dtypes and out-of-range indices go to the stock kernel (which reports the bad index).
 */
export function gatherWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as GatherV2Attrs;
    const rank = x.shape.length;
    const ax = axis < 0 ? axis + rank : axis;
    if (ax !== 0 || (batchDims ?? 0) !== 0 || rank === 0 || indices.dtype !== 'int32' || (x.dtype !== 'float32' && x.dtype !== 'int32')) return null;
    const rows = x.shape[0]!;
    onHeap(backend, x, indices);
    const ids = backend.typedArrayFromHeap(indices) as Int32Array;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < rows)) return null;
    }
    const rowSize = tf.util.sizeFromShape(x.shape.slice(1));
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    // Views after the allocation: it may have grown (and detached) the heap.
    const src = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
    const idx = backend.typedArrayFromHeap(indices) as Int32Array;
    for (let i = 0; i < idx.length; i++) {
      const from = idx[i]! * rowSize;
      dst.set(src.subarray(from, from + rowSize), i * rowSize);
    }
    return out;
  });
}
