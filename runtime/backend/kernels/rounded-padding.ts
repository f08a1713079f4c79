import type * as tf from '@tensorflow/tfjs';

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * For a conv or pool with a numeric pad and a rounding mode: tfjs computes the output size with that rounding
 * (up, say) while XNNPACK derives it from the pads, always rounding down, and tfjs 4.22's wasm kernels pass it
 * only the pads, so it leaves the extra output rows unwritten. This returns the explicit padding that gives
 * XNNPACK tfjs's size (the bottom and right pads extended to the last window), or null where the sizes agree.
 */
export function roundedPadding(info: tf.backend_util.Conv2DInfo, pad: unknown, dimRoundingMode: unknown): ExplicitPadding | null {
  if (typeof pad !== 'number' || dimRoundingMode === undefined) return null;
  const { top, left } = info.padInfo;
  const bottom = info.effectiveFilterHeight + info.strideHeight * (info.outHeight - 1) - info.inHeight - top;
  const right = info.effectiveFilterWidth + info.strideWidth * (info.outWidth - 1) - info.inWidth - left;
  if (bottom === info.padInfo.bottom && right === info.padInfo.right) return null;
  // A window short of the input's end needs no more than the floor size: only extensions are rewritten.
  if (bottom < info.padInfo.bottom || right < info.padInfo.right) return null;
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}
