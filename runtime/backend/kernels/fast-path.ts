import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { isWasmHeapBackend, type WasmHeapBackend } from './wasm-heap.ts';

type KernelArgs = Parameters<KernelFunc>[0];

/**
 * A kernel that tries `fast` first on the wasm heap and hands every case it declines (by returning null), and
 * every backend that is not the wasm heap, to `stock`: the backend's own kernel, kept for all it does well.
 */
export function inFrontOf(stock: KernelConfig, fast: (args: KernelArgs, backend: WasmHeapBackend) => ReturnType<KernelFunc> | null): KernelConfig {
  return {
    kernelName: stock.kernelName,
    backendName: stock.backendName,
    kernelFunc: (args) => (isWasmHeapBackend(args.backend) ? fast(args, args.backend) : null) ?? stock.kernelFunc(args),
  };
}
