import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { addWasmKernel } from './add.ts';
import { batchMatMulWasmKernel, transposeWasmKernel } from './batch-mat-mul.ts';
import { conv2dBackpropFilterKernel } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputKernel } from './conv2d-backprop-input.ts';
import { conv2dWasmKernel } from './conv2d.ts';
import { gatherWasmKernel } from './gather.ts';
import { castWasmKernel, identityWasmKernel } from './identity-cast.ts';
import { maxPoolWasmKernel } from './max-pool.ts';
import { maxPoolGradKernel } from './max-pool-grad.ts';
import { sliceWasmKernel, splitVWasmKernel } from './slice.ts';
import { sumWasmKernel } from './sum.ts';
import { unsortedSegmentSumKernel } from './unsorted-segment-sum.ts';

interface TapfitKernel {
  kernelName: string;
  /** `stock`: the backend's own kernel, for kernels that speed up some cases and hand the rest to it. */
  make(backendName: string, stock: KernelConfig | undefined): KernelConfig;
  /** Backends whose stock kernel exists but is replaced: far slower (a naive loop) or wrong. */
  replaceOn: readonly string[];
  /** Backends where the kernel is registered at all (default: every non-native backend). */
  onlyOn?: readonly string[];
}

/**
 * tapfit's kernels. The gradients of `conv2d` (filter) and `gather` (segment sum): tfjs 4.22's `wasm` has neither,
 * and `cpu`'s loop over every filter tap / every segment makes them ~95% of a CNN or embedding step. The gradient
 * of `conv2d` (input): `wasm`'s stock one is a plain loop, ~8× slower than the same sum as an XNNPACK conv.
 * The gradient of `maxPool`: `wasm`'s stock one sends the dy of an all-negative window to element 0 and breaks
 * ties unlike cpu and TensorFlow (first max wins). On `wasm` the conv2d filter and max-pool gradients read and
 * write the heap directly, and fast paths stand in front of stock kernels for the cases they speed up or fix:
 * `BatchMatMul` (transpose flags), `GatherV2` (axis 0), `Sum` (leading axes), `Slice`/`SplitV` (no copy of the
 * whole input), `Transpose` (of matrices), `Conv2D`/`FusedConv2D` (a small reduction; numeric pads with a rounding
 * mode), `MaxPool` (2×2 tiles), `Add` (a broadcast row), and `Identity`/`Cast` (no copy).
 */
const TAPFIT_KERNELS: readonly TapfitKernel[] = [
  { kernelName: tf.Conv2DBackpropFilter, make: (b) => conv2dBackpropFilterKernel(b), replaceOn: ['cpu'] },
  { kernelName: tf.UnsortedSegmentSum, make: (b) => unsortedSegmentSumKernel(b), replaceOn: ['cpu'] },
  { kernelName: tf.Conv2DBackpropInput, make: (b) => conv2dBackpropInputKernel(b), replaceOn: ['wasm'] },
  { kernelName: tf.MaxPoolGrad, make: (b) => maxPoolGradKernel(b), replaceOn: ['wasm'] },
  // Fast paths in front of wasm's stock kernels (which they call for every other case).
  { kernelName: tf.BatchMatMul, make: (_b, stock) => batchMatMulWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.GatherV2, make: (_b, stock) => gatherWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.Sum, make: (_b, stock) => sumWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.Slice, make: (_b, stock) => sliceWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.SplitV, make: (_b, stock) => splitVWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.Transpose, make: (_b, stock) => transposeWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.Conv2D, make: (_b, stock) => conv2dWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.FusedConv2D, make: (_b, stock) => conv2dWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.Add, make: (_b, stock) => addWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.MaxPool, make: (_b, stock) => maxPoolWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.Identity, make: (_b, stock) => identityWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
  { kernelName: tf.Cast, make: (_b, stock) => castWasmKernel(stock!), replaceOn: ['wasm'], onlyOn: ['wasm'] },
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
    if (kernel.onlyOn !== undefined && !kernel.onlyOn.includes(backendName)) continue;
    const id = key(kernel.kernelName, backendName);
    const current = tf.getKernel(kernel.kernelName, backendName);
    // A kernel that wraps the stock one needs it.
    if (kernel.onlyOn !== undefined && current === undefined) continue;
    if (current !== undefined && current === ours.get(id)) continue;
    if (current !== undefined) {
      if (!kernel.replaceOn.includes(backendName)) continue;
      references.set(id, current);
      tf.unregisterKernel(kernel.kernelName, backendName);
    }
    const mine = ours.get(id) ?? kernel.make(backendName, references.get(id));
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
