import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { definePlugin, definePluginFactory, TapfitError, type SeededRandom } from '../../plugin-sdk/index.ts';
import { lerp, mixHandler } from '../mixup/mix-handler.ts';

const options = z.object({
  /** Beta(alpha, alpha) draws the share of the image kept. */
  alpha: z.number().positive().default(1),
  /** Seed of the plugin's own random source (share, partners, box), so runs repeat. */
  seed: z.number().int().default(0),
});

/** torch's `round`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** fastai's `rand_bbox`: a box of side `√(1 − λ)` of the image around a uniform centre, clipped to the image. */
export function randBbox(W: number, H: number, lam: number, rng: SeededRandom): [number, number, number, number] {
  const cutRat = Math.sqrt(1 - lam);
  const cutW = roundHalfEven(W * cutRat);
  const cutH = roundHalfEven(H * cutRat);
  const cx = rng.int(W);
  const cy = rng.int(H);
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return [clamp(cx - Math.floor(cutW / 2), W), clamp(cy - Math.floor(cutH / 2), H), clamp(cx + Math.floor(cutW / 2), W), clamp(cy + Math.floor(cutH / 2), H)];
}

/**
 * fastai's `CutMix(alpha=1)` (training only): a box of a shuffled partner image is pasted into each image
 * (`λ ~ Beta(alpha, alpha)` sets its size, its centre is uniform), then `λ` becomes the share of the image left
 * and the loss (class-id targets) or the targets are mixed by it. Images are NHWC, TensorFlow.js's layout.
 *
 * ```ts
 * plugins: [['cutmix', { alpha: 1 }]]
 * ```
 */
export default definePluginFactory({
  name: 'cutmix',
  options,
  description: 'pastes a box of a shuffled partner image into each training image (CutMix)',
  create: ({ alpha, seed }) =>
    definePlugin(
      // Assigned, not spread: spreading would freeze the handler's `last` getter.
      Object.assign(mixHandler('cutmix', seed, (learn, rng, stackY) => {
        const x = learn.xb[0];
        if (x.rank !== 4) throw new TapfitError('E_CONFIG', `cutmix: images must be NHWC (rank 4), got shape [${x.shape.join(', ')}]`);
        const [bs, H, W] = x.shape;
        const drawn = rng.beta(alpha, alpha);
        const shuffle = rng.permutation(bs);
        const [x1, y1, x2, y2] = randBbox(W, H, drawn, rng);
        const made: tf.Tensor[] = [];
        const keep = <T extends tf.Tensor>(t: T) => (made.push(t), t);
        const idx = tf.tensor1d(shuffle, 'int32');
        const yb1 = [keep(tf.gather(learn.yb[0], idx))];
        learn.xb = [
          keep(
            tf.tidy(() => {
              const inBox = tf.buffer([1, H, W, 1]);
              for (let r = y1; r < y2; r++) for (let c = x1; c < x2; c++) inBox.set(1, 0, r, c, 0);
              const mask = inBox.toTensor();
              return tf.add(tf.mul(x, tf.sub(1, mask)), tf.mul(tf.gather(x, idx), mask));
            }),
          ),
          ...learn.xb.slice(1),
        ];
        idx.dispose();
        const lamValue = 1 - ((x2 - x1) * (y2 - y1)) / (W * H);
        const lam = keep(tf.scalar(lamValue));
        if (!stackY) learn.yb = [keep(tf.tidy(() => lerp(yb1[0], learn.yb[0], lam))), ...learn.yb.slice(1)];
        return { mix: { yb1, lam, lamValues: [lamValue], shuffle, box: [x1, y1, x2, y2] }, made };
      }), { alpha }),
    ),
});
