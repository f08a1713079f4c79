import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2dBackpropFilterKernel } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputKernel } from './conv2d-backprop-input.ts';
import { maxPoolGradKernel } from './max-pool-grad.ts';
import { unsortedSegmentSumKernel } from './unsorted-segment-sum.ts';

interface TapfitKernel {
  kernelName: string;
  make(backendName: string): KernelConfig;
  /** Backends whose stock kernel exists but is replaced: far slower (a naive loop) or wrong. */
  replaceOn: readonly string[];
}

/**
 * tapfit's kernels. The gradients of `conv2d` (filter) and `gather` (segment sum): tfjs 4.22's `wasm` has neither,
 * and `cpu`'s loop over every filter tap / every segment makes them ~95% of a CNN or embedding step. The gradient
 * of `conv2d` (input): `wasm`'s stock one is a plain loop, ~8× slower than the same sum as an XNNPACK conv.
 * The gradient of `maxPool`: `wasm`'s stock one sends the dy of an all-negative window to element 0 and breaks
 * ties unlike cpu and TensorFlow (first max wins).
 */
const TAPFIT_KERNELS: readonly TapfitKernel[] = [
  { kernelName: tf.Conv2DBackpropFilter, make: (b) => conv2dBackpropFilterKernel(b), replaceOn: ['cpu'] },
  { kernelName: tf.UnsortedSegmentSum, make: (b) => unsortedSegmentSumKernel(b), replaceOn: ['cpu'] },
  { kernelName: tf.Conv2DBackpropInput, make: (b) => conv2dBackpropInputKernel(b), replaceOn: ['wasm'] },
  { kernelName: tf.MaxPoolGrad, make: (b) => maxPoolGradKernel(b), replaceOn: ['wasm'] },
];

/** Backends whose kernels are complete and native; tapfit leaves them alone. */
const NATIVE_BACKENDS = new Set(['tensorflow']);

/**
 * tapfit's config per kernel and backend, so a second call can tell its own kernel from a stock one. Kept on
 * `globalThis` under a `Symbol.for` key: tfjs's kernel registry is per process, so a second copy of tapfit (a
 * plugin package's own) finds the kernels the first registered and registers nothing again.
 */
interface KernelTables {
  ours: Map<string, KernelConfig>;
  references: Map<string, KernelConfig>;
}
const KERNELS_KEY = Symbol.for('tapfit.kernels');
const tables = ((globalThis as { [KERNELS_KEY]?: KernelTables })[KERNELS_KEY] ??= { ours: new Map(), references: new Map() });
const { ours, references } = tables;
const key = (kernelName: string, backendName: string): string => `${kernelName}@${backendName}`;

/**
 * Registers tapfit's kernels on `backendName`: where the backend lacks one, and in place of the slow stock ones
 * listed per kernel (those stay reachable through {@link referenceKernel}). Idempotent. Call it after the
 * backend's package is imported: a backend registering its kernels later would overwrite tapfit's.
 */
export function registerTapfitKernels(backendName: string): void {
  if (NATIVE_BACKENDS.has(backendName)) return;
  for (const kernel of TAPFIT_KERNELS) {
    const id = key(kernel.kernelName, backendName);
    const current = tf.getKernel(kernel.kernelName, backendName);
    if (current !== undefined && current === ours.get(id)) continue;
    if (current !== undefined) {
      if (!kernel.replaceOn.includes(backendName)) continue;
      references.set(id, current);
      tf.unregisterKernel(kernel.kernelName, backendName);
    }
    const mine = ours.get(id) ?? kernel.make(backendName);
    tf.registerKernel(mine);
    ours.set(id, mine);
  }
}

/** Whether the kernel registered for `kernelName` on `backendName` is tapfit's. */
export function isTapfitKernel(kernelName: string, backendName: string): boolean {
  const mine = ours.get(key(kernelName, backendName));
  return mine !== undefined && tf.getKernel(kernelName, backendName) === mine;
}

/** The backend's own kernel that tapfit replaced, for comparisons; `undefined` where tapfit replaced none. */
export function referenceKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return references.get(key(kernelName, backendName));
}

/**
 * Removes tapfit's kernels (all, or those named in `only`) from `backendName` and puts the stock ones back;
 * benchmarks and tests compare both.
 */
export function unregisterTapfitKernels(backendName: string, only?: readonly string[]): void {
  for (const kernel of TAPFIT_KERNELS) {
    if (only !== undefined && !only.includes(kernel.kernelName)) continue;
    if (!isTapfitKernel(kernel.kernelName, backendName)) continue;
    const id = key(kernel.kernelName, backendName);
    tf.unregisterKernel(kernel.kernelName, backendName);
    const stock = references.get(id);
    if (stock !== undefined) tf.registerKernel(stock);
  }
}
