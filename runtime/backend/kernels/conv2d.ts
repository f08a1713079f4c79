import * as tf from '@tensorflow/tfjs';
import type { Conv2DAttrs, FusedConv2DAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { windowOnHeap } from './heap-window.ts';
import { roundedPadding } from './rounded-padding.ts';
import { asTensor, runOps } from './tensor-info.ts';
import { inFrontOf } from './fast-path.ts';
import { heapSimd, heapTensor, offsetOf, onHeap, type WasmHeapBackend } from './wasm-heap.ts';

/**
 * Below this reduction (fh·fw·inC terms per output) XNNPACK's conv runs well under its peak and tapfit's loop
 * does not (on the MNIST CNN's first conv, 9 terms: ~2× faster; at 144 terms the two are even).
 */
const SMALL_REDUCTION = 128;

type ConvAttrs = Conv2DAttrs & Partial<Pick<FusedConv2DAttrs, 'activation'>>;

const isOne = (v: number | [number, number] | undefined): boolean => v === undefined || (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);

/**
 * The conv on the heap with kernels.wat's `conv_small_reduction`, or null where it does not apply (then the stock
 * kernel runs): float32 NHWC, no dilation, a reduction under {@link SMALL_REDUCTION} terms, output channels in
 * eights, a bias of one value per output channel, and no activation or relu.
 */
function convSmallReduction(backend: WasmHeapBackend, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, attrs: ConvAttrs): TensorInfo | null {
  const activation = attrs.activation ?? 'linear';
  const [fh, fw, inC, outC] = filter.shape as [number, number, number, number];
  const fits =
    x.dtype === 'float32' && filter.dtype === 'float32' && x.shape.length === 4 && attrs.dataFormat !== 'NCHW' && isOne(attrs.dilations) &&
    fh * fw * inC < SMALL_REDUCTION && outC % 8 === 0 && (activation === 'linear' || activation === 'relu') &&
    (bias === undefined || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === outC && bias.shape.at(-1) === outC));
  const simd = fits ? heapSimd(backend) : null;
  if (simd === null) return null;
  return runOps(() => {
    const xs = asTensor(x) as tf.Tensor4D;
    const info = tf.backend_util.computeConv2DInfo(xs.shape, [fh, fw, inC, outC], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const { outHeight: outH, outWidth: outW, strideHeight: sH, strideWidth: sW } = info;
    const window = windowOnHeap(backend, xs, info.padInfo.top, fh + sH * (outH - 1), info.padInfo.left, fw + sW * (outW - 1));
    const [batch, hp, wp] = window.shape;
    onHeap(backend, filter, ...(bias ? [bias] : []));
    const out = heapTensor(backend, [batch, outH, outW, outC]);
    simd.conv_small_reduction(
      offsetOf(backend, window), offsetOf(backend, filter), bias ? offsetOf(backend, bias) : 0, offsetOf(backend, out),
      batch, hp, wp, inC, outH, outW, outC, fh, fw, sH, sW, activation === 'relu' ? 1 : 0,
    );
    return out;
  });
}

/**
 * `Conv2D` and `FusedConv2D` on `wasm`:
 * - a fast path for convs with a small reduction (an image model's first layer; see {@link SMALL_REDUCTION}):
 *   tapfit's SIMD conv, ~2× faster there than XNNPACK's;
 * - a numeric pad with a rounding mode that gives more output rows than the pads do: the stock kernel gets
 *   the explicit padding that yields them (see {@link roundedPadding}).
 * Every other conv goes to the stock kernel as is.
 */
export function conv2dWasmKernel(stock: KernelConfig): KernelConfig {
  return inFrontOf(stock, (args, backend) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs;
    const mine = preluActivationWeights === undefined ? convSmallReduction(backend, x, filter, bias, attrs) : null;
    if (mine) return mine;
    if (typeof attrs.pad !== 'number' || x.shape.length !== 4 || attrs.dataFormat === 'NCHW') return null;
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const pad = roundedPadding(info, attrs.pad, attrs.dimRoundingMode);
    return pad === null ? null : stock.kernelFunc({ ...args, attrs: { ...args.attrs, pad } });
  });
}
