import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropInputAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { padOrCrop, spreadByStride } from './layout.ts';
import { asTensor, runOps } from './tensor-info.ts';
import { heapF32, heapTensor, isWasmHeapBackend, onHeap, type WasmHeapBackend } from './wasm-heap.ts';

/**
 * The gradient of `conv2d` with respect to its input, as a stride-1 `conv2d`: `dy` with stride−1 zeros put
 * between its rows and columns, padded by (filter size − 1 − forward padding), convolved with the filter turned
 * 180° and its in/out channels swapped. `wasm` runs that conv with XNNPACK, ~8× faster than its stock kernel.
 */
export function conv2dBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: Conv2DBackpropInputAttrs, turn: (filter: tf.Tensor4D) => tf.Tensor4D = turnFilter): tf.Tensor4D {
  return tf.tidy(() => {
    const channelsFirst = attrs.dataFormat === 'NCHW';
    const [b, d1, d2, d3] = attrs.inputShape;
    const inputShape: [number, number, number, number] = channelsFirst ? [b, d2, d3, d1] : [b, d1, d2, d3];
    const dyNhwc = channelsFirst ? tf.transpose(dy, [0, 2, 3, 1]) : dy;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { strideHeight: sH, strideWidth: sW, filterHeight: fh, filterWidth: fw, inHeight, inWidth } = info;
    const { top, left } = info.padInfo;
    const spread = spreadByStride(dyNhwc, sH, sW);
    const turned = turn(filter);
    const [, spreadH, spreadW] = spread.shape;
    const padTop = fh - 1 - top;
    const padLeft = fw - 1 - left;
    const padBottom = inHeight + fh - 1 - padTop - spreadH;
    const padRight = inWidth + fw - 1 - padLeft - spreadW;
    // Padding the conv itself does (no padded copy of dy) unless the window crops dy.
    const dx =
      Math.min(padTop, padLeft, padBottom, padRight) >= 0
        ? tf.conv2d(spread, turned, 1, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]])
        : tf.conv2d(padOrCrop(spread, padTop, inHeight + fh - 1, padLeft, inWidth + fw - 1), turned, 1, 'valid');
    return channelsFirst ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

/** The filter turned 180° with its in/out channels swapped: turned[r, c, o, i] = filter[fh−1−r, fw−1−c, i, o]. */
function turnFilter(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
}

/** {@link turnFilter} as one loop on the wasm heap: tfjs 4.22's wasm `Reverse` alone takes ~50 ns an element. */
function turnFilterOnHeap(backend: WasmHeapBackend, filter: tf.Tensor4D): tf.Tensor4D {
  const [fh, fw, inC, outC] = filter.shape;
  onHeap(backend, filter);
  const out = heapTensor(backend, [fh, fw, outC, inC]) as tf.Tensor4D;
  const from = heapF32(backend, filter);
  const to = heapF32(backend, out);
  let at = 0;
  for (let r = 0; r < fh; r++) {
    for (let c = 0; c < fw; c++) {
      const tap = ((fh - 1 - r) * fw + (fw - 1 - c)) * inC * outC;
      for (let o = 0; o < outC; o++) {
        for (let i = 0; i < inC; i++) to[at++] = from[tap + i * outC + o]!;
      }
    }
  }
  return out;
}

/** A `Conv2DBackpropInput` kernel for `backendName`, built from ops that backend has (the filter turned on the heap on `wasm`). */
export function conv2dBackpropInputKernel(backendName: string): KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const kernelAttrs = attrs as unknown as Conv2DBackpropInputAttrs;
      const turn = isWasmHeapBackend(backend) && filter.dtype === 'float32' ? (f: tf.Tensor4D) => turnFilterOnHeap(backend, f) : turnFilter;
      return runOps(() => conv2dBackpropInput(asTensor(dy) as tf.Tensor4D, asTensor(filter) as tf.Tensor4D, kernelAttrs, turn));
    },
  };
}
