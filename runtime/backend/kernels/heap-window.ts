import type * as tf from '@tensorflow/tfjs';
import { heapF32, heapTensor, onHeap, type WasmHeapBackend } from './wasm-heap.ts';

/**
 * `padOrCrop` (layout.ts) with zeros, on the wasm heap: x [B,H,W,C] → [B,needH,needW,C], x's rows shifted down
 * by `top` and its columns right by `left` (negative: cropped), zeros elsewhere. One `set` per row copied;
 * tfjs 4.22's wasm `PadV2` takes ~10× longer on a conv's input.
 */
export function windowOnHeap(backend: WasmHeapBackend, x: tf.Tensor4D, top: number, needH: number, left: number, needW: number): tf.Tensor4D {
  const [batch, h, w, c] = x.shape;
  onHeap(backend, x);
  const out = heapTensor(backend, [batch, needH, needW, c]) as tf.Tensor4D;
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  dst.fill(0);
  const x0 = Math.max(0, left);
  const x1 = Math.min(needW, left + w);
  if (x1 <= x0) return out;
  const run = (x1 - x0) * c;
  for (let b = 0; b < batch; b++) {
    for (let y = Math.max(0, top); y < Math.min(needH, top + h); y++) {
      const from = ((b * h + y - top) * w + x0 - left) * c;
      dst.set(src.subarray(from, from + run), ((b * needH + y) * needW + x0) * c);
    }
  }
  return out;
}
