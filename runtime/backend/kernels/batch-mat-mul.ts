import * as tf from '@tensorflow/tfjs';
import type { BatchMatMulAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { heapF32, heapTensor, isWasmHeapBackend, type WasmHeapBackend } from './wasm-heap.ts';

/** [..., r, c] → [..., c, r] as a new heap tensor, by a JavaScript loop over each matrix. */
export function transposeLastTwo(backend: WasmHeapBackend, t: TensorInfo): tf.Tensor {
  const shape = t.shape;
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  const out = heapTensor(backend, [...shape.slice(0, -2), c, r]);
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
 * `BatchMatMul` on `wasm`: tfjs 4.22 runs it with XNNPACK only without transpose flags and with a naive loop
 * (5–10× slower) with them — and autodiff's gradient of `matMul` sets them (a dense layer's weight and input
 * gradients). Here a flagged operand is transposed first (a copy, linear in its size) and the stock kernel runs
 * without flags. Float32 only; anything else goes to the stock kernel as is.
 */
export function batchMatMulWasmKernel(stock: KernelConfig): KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName: stock.backendName,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
      const backend = args.backend;
      if ((!transposeA && !transposeB) || !isWasmHeapBackend(backend) || a.dtype !== 'float32' || b.dtype !== 'float32') {
        return stock.kernelFunc(args);
      }
      const temps: tf.Tensor[] = [];
      try {
        const aIn = transposeA ? transposeLastTwo(backend, a) : a;
        if (transposeA) temps.push(aIn as tf.Tensor);
        const bIn = transposeB ? transposeLastTwo(backend, b) : b;
        if (transposeB) temps.push(bIn as tf.Tensor);
        return stock.kernelFunc({ ...args, inputs: { a: aIn, b: bIn }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
      } finally {
        tf.dispose(temps);
      }
    },
  };
}
