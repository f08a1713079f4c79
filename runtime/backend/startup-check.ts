import * as tf from '@tensorflow/tfjs';

/**
 * One gradient step through `conv2d` and `gather` (a tiny CNN and embedding), checked against values known in
 * closed form, so a missing or wrong training kernel shows at start-up instead of mid-fit. Throws on failure.
 *
 * With x and the filter all ones, loss = Σ conv2d(x, w) + Σ gather(table, ids):
 * dL/dw = windows per image × batch, dL/dx = (windows covering the pixel) × out channels,
 * dL/dtable[r] = how often r occurs in ids.
 */
export function checkTrainingKernels(): void {
  const problems = tf.tidy(() => {
    const batch = 2;
    const outChannels = 2;
    const x = tf.ones([batch, 4, 4, 1]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 1, outChannels]) as tf.Tensor4D;
    const table = tf.ones([5, 3]) as tf.Tensor2D;
    const ids = tf.tensor1d([1, 3, 1], 'int32');
    const loss = (xs: tf.Tensor, ws: tf.Tensor, t: tf.Tensor): tf.Scalar =>
      tf.add(tf.sum(tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, 1, 'valid')), tf.sum(tf.gather(t, ids)));
    const [dx, dw, dTable] = tf.grads(loss)([x, w, table]) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const found: string[] = [];
    const expectValues = (name: string, got: tf.Tensor, want: number[]): void => {
      const values = got.dataSync();
      const ok = values.length === want.length && want.every((v, i) => Math.abs(values[i]! - v) < 1e-4);
      if (!ok) found.push(`${name}: got [${Array.from(values).join(', ')}], want [${want.join(', ')}]`);
    };
    const windowsPerImage = 4;
    expectValues('conv2d filter gradient', dw, new Array<number>(9 * outChannels).fill(windowsPerImage * batch));
    const cover = [1, 2, 2, 1, 2, 4, 4, 2, 2, 4, 4, 2, 1, 2, 2, 1].map((n) => n * outChannels);
    expectValues('conv2d input gradient', dx, [...cover, ...cover]);
    expectValues('gather gradient', dTable, [0, 0, 0, 2, 2, 2, 0, 0, 0, 1, 1, 1, 0, 0, 0]);
    return found;
  });
  if (problems.length > 0) throw new Error(`training kernels gave wrong gradients on "${tf.getBackend()}": ${problems.join('; ')}`);
}
