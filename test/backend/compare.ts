import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs';
import { referenceKernel } from '../../runtime/backend/index.ts';

/** max |got − want| / max |want|: the "relative 1e-4" the kernels are held to. */
export function relativeError(got: tf.Tensor, want: tf.Tensor): number {
  expectShape(got, want.shape);
  return tf.tidy(() => {
    const diff = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]!;
    const scale = tf.max(tf.abs(want)).dataSync()[0]!;
    return diff / Math.max(scale, 1e-12);
  });
}

function expectShape(t: tf.Tensor, shape: number[]): void {
  if (t.shape.join('x') !== shape.join('x')) throw new Error(`shape ${t.shape.join('x')} ≠ ${shape.join('x')}`);
}

/** Runs the stock kernel tapfit replaced on `backendName` (the current backend), as a tensor the caller disposes. */
export function runReference(kernelName: string, backendName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap): tf.Tensor {
  const kernel = referenceKernel(kernelName, backendName);
  if (kernel === undefined) throw new Error(`no reference ${kernelName} on ${backendName}`);
  const out = kernel.kernelFunc({ inputs, attrs, backend: tf.backend() });
  if (Array.isArray(out)) throw new Error('expected one output');
  return tf.engine().makeTensorFromTensorInfo(out);
}

/** Deterministic pseudo-random values in [-1, 1) (tests must not depend on tf's global seed). */
export function seeded(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

export const prod = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
