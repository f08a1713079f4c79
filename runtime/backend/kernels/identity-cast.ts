import type { CastAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { inFrontOf } from './fast-path.ts';
import { onHeap, type WasmHeapBackend } from './wasm-heap.ts';

/** The input's data under a second tensor, by reference count (as `Reshape` shares it); null for strings. */
function shared(x: TensorInfo, backend: WasmHeapBackend): TensorInfo | null {
  if (x.dtype === 'string') return null;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * `Identity` on `wasm` without a copy: the output shares the input's data, as on tfjs's cpu backend. tfjs 4.22's
 * stock wasm kernel copies, and the engine runs it for every tensor it saves for the backward pass (~30 copies
 * per CNN training step, ~650 per LSTM step). Sharing is safe because no kernel writes into its inputs (`Reshape`
 * already shares data this way). Strings go to the stock kernel.
 */
export function identityWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => shared((args.inputs as { x: TensorInfo }).x, backend));
}

/** Numbers to bool: non-zero is true. tfjs 4.22's stock wasm kernel copies the low byte instead (−2 → 254, 256 → 0). */
function castToBool(x: TensorInfo, backend: WasmHeapBackend): TensorInfo {
  onHeap(backend, x);
  const out = backend.makeOutput(x.shape, 'bool');
  const from = backend.typedArrayFromHeap(x);
  const to = backend.typedArrayFromHeap(out);
  for (let i = 0; i < from.length; i++) to[i] = from[i] !== 0 ? 1 : 0;
  return out;
}

/**
 * `Cast` on `wasm` to the dtype the tensor already has is an identity too (tfjs's gradients of `relu` and
 * `mul` and its type matching cast float32 to float32); the stock kernel copies. A cast to bool is fixed (see
 * {@link castToBool}); other casts go to the stock kernel.
 */
export function castWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as unknown as CastAttrs;
    if (dtype === x.dtype) return shared(x, backend);
    return dtype === 'bool' && x.dtype !== 'string' ? castToBool(x, backend) : null;
  });
}
