import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, MaxPoolAttrs, TensorInfo } from '@tensorflow/tfjs';
import { padOrCrop } from './layout.ts';
import { roundedPadding } from './rounded-padding.ts';
import { asTensor, runOps } from './tensor-info.ts';
import { inFrontOf } from './fast-path.ts';
import { heapSimd, offsetOf, onHeap } from './wasm-heap.ts';

/**
 * Whether a pool's windows are 2×2 with stride 2, tile the input exactly (no padding, even sizes) and the
 * channels come in fours: the case kernels.wat's `max_pool_2x2` and `max_pool_grad_2x2` take.
 */
export function tiles2x2(info: tf.backend_util.Conv2DInfo): boolean {
  const { filterHeight, filterWidth, strideHeight, strideWidth, inHeight, inWidth, outHeight, outWidth, inChannels, padInfo } = info;
  return (
    filterHeight === 2 && filterWidth === 2 && strideHeight === 2 && strideWidth === 2 && padInfo.top === 0 && padInfo.left === 0 &&
    inHeight === 2 * outHeight && inWidth === 2 * outWidth && inChannels % 4 === 0 && info.dilationHeight === 1 && info.dilationWidth === 1
  );
}

/**
 * `MaxPool` on `wasm` for 2×2/2 windows that tile the input (a CNN's usual pool): one SIMD pass, ~2× faster than
 * XNNPACK's, with the same first-max rule as tapfit's gradient. Every other pool goes to the stock kernel, on
 * the exact window where a rounding mode gives more output rows than the pads do (see {@link roundedPadding}).
 */
export function maxPoolWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as MaxPoolAttrs;
    if (x.dtype !== 'float32' || x.shape.length !== 4) return null;
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const simd = tiles2x2(info) ? heapSimd(backend) : null;
    if (simd === null) {
      if (roundedPadding(info, pad, dimRoundingMode) === null) return null;
      // XNNPACK's pools mishandle windows wholly in the padding, which such a rounding can make: the exact
      // window, padded with −∞ (never a max), pooled 'valid'.
      return runOps(() => {
        const { top, left } = info.padInfo;
        const window = padOrCrop(asTensor(x) as tf.Tensor4D, top, info.filterHeight + info.strideHeight * (info.outHeight - 1), left, info.filterWidth + info.strideWidth * (info.outWidth - 1), -Infinity);
        return tf.maxPool(window, [info.filterHeight, info.filterWidth], [info.strideHeight, info.strideWidth], 'valid');
      });
    }
    onHeap(backend, x);
    const out = backend.makeOutput(info.outShape, 'float32');
    simd.max_pool_2x2(offsetOf(backend, x), offsetOf(backend, out), info.batchSize, info.outHeight, info.outWidth, info.inChannels);
    return out;
  });
}
