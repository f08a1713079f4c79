import { SIMD_KERNELS_BASE64 } from './kernels-wasm.ts';

/** kernels.wat's exports; every pointer is a byte offset into tfjs-backend-wasm's heap. */
export interface SimdKernels {
  im2col_t(
    x: number, cols: number, batch: number, inH: number, inW: number, inC: number, fh: number, fw: number,
    sH: number, sW: number, top: number, left: number, outH: number, outW: number,
  ): void;
  /** conv2d (+ bias, + relu when relu ≠ 0) into out [B,outH,outW,outC]; x already padded/cropped to the window; outC a multiple of 8; bias 0 for none. */
  conv_small_reduction(
    x: number, w: number, bias: number, out: number, batch: number, hp: number, wp: number, c: number, outH: number,
    outW: number, outC: number, fh: number, fw: number, sH: number, sW: number, relu: number,
  ): void;
  /** dw [fh·fw·c, outC] += the filter gradient; x already padded/cropped to the window; outC a multiple of 8. */
  conv_filter_grad(
    x: number, dy: number, dw: number, batch: number, hp: number, wp: number, c: number, outH: number, outW: number,
    outC: number, fh: number, fw: number, sH: number, sW: number,
  ): void;
  max_pool_grad(
    x: number, dy: number, dx: number, batch: number, inH: number, inW: number, ch: number, fh: number, fw: number,
    sH: number, sW: number, top: number, left: number, outH: number, outW: number,
  ): void;
  /** max-pool, 2×2 windows, stride 2, tiling the input exactly (no padding), channels a multiple of 4. */
  max_pool_2x2(x: number, out: number, batch: number, outH: number, outW: number, ch: number): void;
  /** 2×2 windows, stride 2, tiling the input exactly (no padding), channels a multiple of 4; writes all of dx. */
  max_pool_grad_2x2(x: number, dy: number, dx: number, batch: number, outH: number, outW: number, ch: number): void;
  sum_rows(x: number, out: number, acc: number, rows: number, cols: number): void;
  /** out [rows, cols] = x + row (row: cols floats). */
  add_row(x: number, row: number, out: number, rows: number, cols: number): void;
}

/** The few WebAssembly JS-API types used here (the project's TypeScript libs have no WebAssembly declarations). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: abstract new (...args: never[]) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Whether `x` is a `WebAssembly.Memory`. */
export const isWasmMemory = (x: unknown): x is WasmMemory => x instanceof WA.Memory;

const instances = new WeakMap<WasmMemory, SimdKernels>();
let compiled: object | null | undefined;

/**
 * The SIMD kernels bound to `memory` (tfjs-backend-wasm's heap), or null where the runtime cannot compile them
 * (no WebAssembly SIMD): callers then use their JavaScript versions. Compiled once, instantiated once per heap.
 */
export function simdKernels(memory: WasmMemory | undefined): SimdKernels | null {
  if (memory === undefined || process.env.TAPFIT_NO_SIMD_KERNELS === '1') return null;
  const known = instances.get(memory);
  if (known) return known;
  if (compiled === undefined) {
    try {
      compiled = new WA.Module(Buffer.from(SIMD_KERNELS_BASE64, 'base64'));
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return null;
  const kernels = new WA.Instance(compiled, { env: { memory } }).exports as unknown as SimdKernels;
  instances.set(memory, kernels);
  return kernels;
}
