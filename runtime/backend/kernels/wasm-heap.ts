import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { isWasmMemory, simdKernels, type SimdKernels } from '../simd/index.ts';

/**
 * The parts of tfjs-backend-wasm's `BackendWasm` that kernels written in JavaScript use: tensors live in the
 * wasm heap, and `typedArrayFromHeap` is a view of one (no copy). Declared here so tapfit's kernels do not
 * import the backend package's internals.
 */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32' | 'int32' | 'bool'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  getMemoryOffset(dataId: object): number;
  disposeData(dataId: object, force?: boolean): boolean;
  /** One more tensor shares this data (as `Reshape` does). */
  incRef(dataId: object): void;
  /** The Emscripten module; `asm.memory` is its heap (tfjs 4.x). */
  wasm?: { asm?: { memory?: unknown } };
}

export function isWasmHeapBackend(backend: unknown): backend is WasmHeapBackend {
  const b = backend as Partial<WasmHeapBackend> | null;
  return typeof b?.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function' && typeof b.getMemoryOffset === 'function' && typeof b.incRef === 'function';
}

/** tapfit's SIMD kernels on this backend's heap, or null (JavaScript versions then). */
export function heapSimd(backend: WasmHeapBackend): SimdKernels | null {
  const memory = backend.wasm?.asm?.memory;
  return isWasmMemory(memory) ? simdKernels(memory) : null;
}

/** Byte offset of a tensor's data in the heap. */
export const offsetOf = (backend: WasmHeapBackend, info: TensorInfo): number => backend.getMemoryOffset(info.dataId);

/**
 * Makes sure each tensor's data is in the heap: a tensor made on another backend (data created before the wasm
 * backend started, say) is moved there on its first lookup, which allocates and may grow the heap. Call it on
 * every input before taking any view: `typedArrayFromHeap` reads the heap's buffer *before* that lookup, so a
 * first lookup inside it hands back a view of the old, detached buffer.
 */
export function onHeap(backend: WasmHeapBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.getMemoryOffset(info.dataId);
}

/**
 * A float32 view of a tensor's data in the heap. Take views only after the last allocation of a kernel
 * (`makeOutput`, any op): an allocation may grow the heap, which detaches every view taken before it.
 */
export function heapF32(backend: WasmHeapBackend, info: TensorInfo): Float32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) throw new Error(`tapfit kernel: expected a float32 tensor, got ${info.dtype}`);
  return view;
}

/** A fresh heap tensor (uninitialised) owned by the returned `tf.Tensor`: disposing it frees the memory. */
export function heapTensor(backend: WasmHeapBackend, shape: number[]): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, 'float32'));
}
