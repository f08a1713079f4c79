import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { padOrCrop, spreadByStride } from './layout.ts';
import { tiles2x2 } from './max-pool.ts';
import { asTensor, runOps } from './tensor-info.ts';
import { heapF32, heapSimd, heapTensor, isWasmHeapBackend, offsetOf, onHeap, type WasmHeapBackend } from './wasm-heap.ts';

/**
 * The gradient of `maxPool`: each window's dy goes to the first (row-major) position holding the window's max,
 * as tfjs's cpu kernel does: the window's taps side by side on a last axis, `argMax` over it (first max wins),
 * `oneHot` × dy, and the taps put back in place (the pooled output is not needed). tfjs 4.22's stock wasm kernel
 * breaks ties differently and sends the dy of a window whose values are all negative to element 0.
 */
export function maxPoolGrad(dy: tf.Tensor4D, x: tf.Tensor4D, attrs: MaxPoolGradAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computePool2DInfo(x.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const { strideHeight: sH, strideWidth: sW, filterHeight: fh, filterWidth: fw, inHeight, inWidth } = info;
    const [, outH, outW] = dy.shape;
    const { top, left } = info.padInfo;
    const xPad = padOrCrop(x, top, fh + sH * (outH - 1), left, fw + sW * (outW - 1), -Infinity);
    const gradPad = fh === sH && fw === sW ? tilingWindowsGrad(xPad, dy, fh, fw) : overlappingWindowsGrad(xPad, dy, fh, fw, sH, sW);
    return padOrCrop(gradPad, -top, inHeight, -left, inWidth);
  });
}

/** windows [B,oh,ow,C,K] → dy at each window's first max, zero elsewhere. */
function routeToFirstMax(windows: tf.Tensor, dy: tf.Tensor4D): tf.Tensor {
  const k = windows.shape[4]!;
  // oneHot stays int32 and is cast: wasm's OneHot (tfjs 4.22) writes int bits into a 'float32' output.
  const first = tf.cast(tf.oneHot(tf.argMax(windows, 4), k), dy.dtype);
  return tf.mul(first, tf.expandDims(dy, 4));
}

/**
 * Windows that tile the input (filter = stride, e.g. 2×2/2): reshapes and one transpose that keeps the
 * channels ahead of the taps (wasm's transpose is ~30× slower when small axes move to the front).
 */
function tilingWindowsGrad(xPad: tf.Tensor4D, dy: tf.Tensor4D, fh: number, fw: number): tf.Tensor4D {
  const [batch, outH, outW, c] = dy.shape;
  const blocks = tf.reshape(xPad, [batch, outH, fh, outW, fw, c]);
  const windows = tf.reshape(tf.transpose(blocks, [0, 1, 3, 5, 2, 4]), [batch, outH, outW, c, fh * fw]);
  const routed = tf.reshape(routeToFirstMax(windows, dy), [batch, outH, outW, c, fh, fw]);
  return tf.reshape(tf.transpose(routed, [0, 1, 4, 2, 5, 3]), [batch, outH * fh, outW * fw, c]);
}

/** Any filter and stride: a strided slice per tap, and each tap's share added back at its offset. */
function overlappingWindowsGrad(xPad: tf.Tensor4D, dy: tf.Tensor4D, fh: number, fw: number, sH: number, sW: number): tf.Tensor4D {
  const [batch, outH, outW, c] = dy.shape;
  const [, padH, padW] = xPad.shape;
  const offsets: Array<[number, number]> = [];
  for (let r = 0; r < fh; r++) for (let col = 0; col < fw; col++) offsets.push([r, col]);
  const taps = offsets.map(([r, col]) =>
    tf.stridedSlice(xPad, [0, r, col, 0], [batch, r + sH * (outH - 1) + 1, col + sW * (outW - 1) + 1, c], [1, sH, sW, 1]),
  );
  const routed = tf.unstack(routeToFirstMax(tf.stack(taps, 4), dy), 4);
  const placed = routed.map((part, i) => {
    const [r, col] = offsets[i]!;
    return padOrCrop(spreadByStride(part as tf.Tensor4D, sH, sW), r, padH, col, padW);
  });
  return tf.addN(placed);
}

/**
 * On `wasm`: one pass over the heap (kernels.wat's `max_pool_grad`, four channels at a time, or the same loop in
 * JavaScript where WebAssembly SIMD is missing) — per window, the first (row-major) position holding its max
 * (values above −∞; the part of a window outside the input is skipped), and dy added there: a scatter, with no
 * argMax/oneHot/transposes. The same rule as tfjs's cpu kernel, including windows with no value above −∞
 * (their dy goes nowhere).
 */
export function maxPoolGradWasm(backend: WasmHeapBackend, dy: tf.Tensor4D, x: tf.Tensor4D, attrs: MaxPoolGradAttrs): tf.Tensor4D {
  onHeap(backend, dy, x);
  const info = tf.backend_util.computePool2DInfo(x.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { strideHeight: sH, strideWidth: sW, filterHeight: fh, filterWidth: fw, inHeight: inH, inWidth: inW, inChannels: ch } = info;
  const [batch, outH, outW] = dy.shape;
  const { top, left } = info.padInfo;
  const out = heapTensor(backend, x.shape);
  const simd = heapSimd(backend);
  // 2×2/2 windows tiling the input (a CNN's usual pool): each window's four positions written outright.
  if (simd && tiles2x2(info)) {
    simd.max_pool_grad_2x2(offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, out), batch, outH, outW, ch);
    return out as tf.Tensor4D;
  }
  heapF32(backend, out).fill(0);
  if (simd) {
    simd.max_pool_grad(offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, out), batch, inH, inW, ch, fh, fw, sH, sW, top, left, outH, outW);
    return out as tf.Tensor4D;
  }
  const xs = heapF32(backend, x);
  const dys = heapF32(backend, dy);
  const dx = heapF32(backend, out);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    const imageBase = b * inH * inW * ch;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * sH - top;
      const yMin = Math.max(0, y0);
      const yMax = Math.min(inH, y0 + fh);
      for (let ox = 0; ox < outW; ox++, o += ch) {
        const x0 = ox * sW - left;
        const xMin = Math.max(0, x0);
        const xMax = Math.min(inW, x0 + fw);
        for (let d = 0; d < ch; d++) {
          let bestValue = -Infinity;
          let best = -1;
          for (let iy = yMin; iy < yMax; iy++) {
            for (let at = imageBase + (iy * inW + xMin) * ch + d, ix = xMin; ix < xMax; ix++, at += ch) {
              const v = xs[at]!;
              if (v > bestValue) {
                bestValue = v;
                best = at;
              }
            }
          }
          if (best >= 0) dx[best] += dys[o + d]!;
        }
      }
    }
  }
  return out as tf.Tensor4D;
}

/** A `MaxPoolGrad` kernel for `backendName`: one pass over the heap on `wasm`, else built from ops that backend has. */
export function maxPoolGradKernel(backendName: string): KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
      const kernelAttrs = attrs as unknown as MaxPoolGradAttrs;
      if (isWasmHeapBackend(backend) && dy.dtype === 'float32' && input.dtype === 'float32') {
        return runOps(() => maxPoolGradWasm(backend, asTensor(dy) as tf.Tensor4D, asTensor(input) as tf.Tensor4D, kernelAttrs));
      }
      return runOps(() => maxPoolGrad(asTensor(dy) as tf.Tensor4D, asTensor(input) as tf.Tensor4D, kernelAttrs));
    },
  };
}
