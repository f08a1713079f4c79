import * as tf from '@tensorflow/tfjs';

/**
 * x [B,H,W,C] → [B,needH,needW,C]: `top` rows of `fill` before (a negative `top` drops rows instead), then as
 * many input rows as fit, then `fill` rows up to `needH`; the same for columns. Kernels use it to lay out exactly
 * the window a convolution or pool reads ("outside the input counts as zero", or as −∞ for a max).
 */
export function padOrCrop(x: tf.Tensor4D, top: number, needH: number, left: number, needW: number, fill = 0): tf.Tensor4D {
  const [batch, h, w, c] = x.shape;
  const skipH = Math.max(0, -top);
  const skipW = Math.max(0, -left);
  const padTop = Math.max(0, top);
  const padLeft = Math.max(0, left);
  const keepH = Math.max(0, Math.min(h - skipH, needH - padTop));
  const keepW = Math.max(0, Math.min(w - skipW, needW - padLeft));
  const padBottom = needH - padTop - keepH;
  const padRight = needW - padLeft - keepW;
  const cropped = keepH < h || keepW < w ? tf.slice(x, [0, skipH, skipW, 0], [batch, keepH, keepW, c]) : x;
  if (padTop === 0 && padLeft === 0 && padBottom === 0 && padRight === 0) return cropped;
  const paddings: Array<[number, number]> = [
    [0, 0],
    [padTop, padBottom],
    [padLeft, padRight],
    [0, 0],
  ];
  return tf.pad(cropped, paddings, fill);
}

/** [B,H,W,C] → [B,H·sH,W·sW,C] with each value at (i·sH, j·sW) and zeros between (and after the last). */
export function spreadByStride(t: tf.Tensor4D, sH: number, sW: number): tf.Tensor4D {
  if (sH === 1 && sW === 1) return t;
  const [batch, h, w, c] = t.shape;
  const cells = tf.pad(tf.reshape(t, [batch, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sH - 1],
    [0, 0],
    [0, sW - 1],
    [0, 0],
  ]);
  return tf.reshape(cells, [batch, h * sH, w * sW, c]);
}
