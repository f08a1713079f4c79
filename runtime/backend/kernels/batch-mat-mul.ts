import * as tf from '@tensorflow/tfjs';
import type { BatchMatMulAttrs, KernelConfig, TensorInfo, TransposeAttrs } from '@tensorflow/tfjs';
import { inFrontOf } from './fast-path.ts';
import { heapF32, onHeap, type WasmHeapBackend } from './wasm-heap.ts';

/** [..., r, c] → [..., c, r] into new heap data (the caller owns it), by a JavaScript loop over each matrix. */
export function transposeLastTwo(backend: WasmHeapBackend, t: TensorInfo): TensorInfo {
  const shape = t.shape;
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  onHeap(backend, t);
  const out = backend.makeOutput([...shape.slice(0, -2), c, r], 'float32');
  const src = heapF32(backend, t);
  const dst = heapF32(backend, out);
  const size = r * c;
  for (let base = 0; base < src.length; base += size) {
    for (let i = 0; i < r; i++) {
      for (let j = 0, at = base + i * c; j < c; j++, at++) dst[base + j * r + i] = src[at]!;
    }
  }
  return out;
}

/**
 * `Transpose` on `wasm` of a matrix (perm [1, 0]) or a batch of them (perm [..., n−1, n−2]): the JavaScript copy
 * above. tfjs 4.22's stock kernel takes ~4× longer on the LSTM's gate matrices. Other perms go to the stock kernel.
 */
export function transposeWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { perm } = args.attrs as unknown as TransposeAttrs;
    const n = perm.length;
    const lastTwo = n >= 2 && perm[n - 1] === n - 2 && perm[n - 2] === n - 1 && perm.slice(0, -2).every((p, i) => p === i);
    return lastTwo && x.dtype === 'float32' ? transposeLastTwo(backend, x) : null;
  });
}

const size = (t: TensorInfo): number => tf.util.sizeFromShape(t.shape);

/**
 * `BatchMatMul` on `wasm`: tfjs 4.22 runs it with XNNPACK only without transpose flags and with a naive loop
 * (5–10× slower) with them — and autodiff's gradient of `matMul` sets them (a dense layer's weight and input
 * gradients). Here the flags become copies (linear in their size) around an unflagged stock call, whichever
 * of two equal forms copies less: C = op(A)·op(B) as is, or as Cᵀ = op(B)ᵀ·op(A)ᵀ with C transposed back —
 * for a dense layer's weight gradient xᵀ·dy that copies dy and the small result instead of the whole batch x.
 * Float32 only; anything else goes to the stock kernel as is.
 */
export function batchMatMulWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
    const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)]!;
    const cols = b.shape[b.shape.length - (transposeB ? 2 : 1)]!;
    const batch = Math.max(size(a) / (a.shape.at(-1)! * a.shape.at(-2)!), size(b) / (b.shape.at(-1)! * b.shape.at(-2)!));
    const copiesAsIs = (transposeA ? size(a) : 0) + (transposeB ? size(b) : 0);
    // Cᵀ = op(B)ᵀ·op(A)ᵀ: B is copied where it is not transposed, A likewise, and C once.
    const copiesTransposed = (transposeB ? 0 : size(b)) + (transposeA ? 0 : size(a)) + batch * rows * cols;
    const unflagged = { ...args.attrs, transposeA: false, transposeB: false };
    const temps: TensorInfo[] = [];
    const copy = (t: TensorInfo): TensorInfo => {
      const out = transposeLastTwo(backend, t);
      temps.push(out);
      return out;
    };
    try {
      if (copiesAsIs <= copiesTransposed) {
        const aIn = transposeA ? copy(a) : a;
        const bIn = transposeB ? copy(b) : b;
        return stock.kernelFunc({ ...args, inputs: { a: aIn, b: bIn }, attrs: unflagged });
      }
      const first = transposeB ? b : copy(b);
      const second = transposeA ? a : copy(a);
      const cT = stock.kernelFunc({ ...args, inputs: { a: first, b: second }, attrs: unflagged }) as TensorInfo;
      temps.push(cT);
      return transposeLastTwo(backend, cT);
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  });
}
