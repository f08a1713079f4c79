import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { definePlugin, definePluginFactory } from '../../plugin-sdk/index.ts';
import { lerp, mixHandler } from './mix-handler.ts';

const options = z.object({
  /** Beta(alpha, alpha) draws the mixing weight. */
  alpha: z.number().positive().default(0.4),
  /** Seed of the plugin's own random source (weights and partners), so runs repeat. */
  seed: z.number().int().default(0),
});

/**
 * fastai's `MixUp(alpha=0.4)` (training only): each item is blended with a partner from a shuffled copy of
 * the batch, `x = lerp(x1, x, λ)` with `λ = max(l, 1 − l)`, `l ~ Beta(alpha, alpha)` per item; for class-id
 * targets the loss is mixed the same way, otherwise the targets are. Validation sees the data and loss as they are.
 *
 * ```ts
 * plugins: [['mixup', { alpha: 0.4 }]]
 * ```
 */
export default definePluginFactory({
  name: 'mixup',
  options,
  description: 'blends each training item with a shuffled partner, λ ~ Beta(alpha, alpha) (MixUp)',
  create: ({ alpha, seed }) =>
    definePlugin(
      // Assigned, not spread: spreading would freeze the handler's `last` getter.
      Object.assign(mixHandler('mixup', seed, (learn, rng, stackY) => {
        const bs = learn.yb[0].shape[0];
        const lamValues = Array.from({ length: bs }, () => {
          const l = rng.beta(alpha, alpha);
          return Math.max(l, 1 - l);
        });
        const shuffle = rng.permutation(bs);
        const made: tf.Tensor[] = [];
        const keep = <T extends tf.Tensor>(t: T) => (made.push(t), t);
        const lam = keep(tf.tensor1d(lamValues));
        const idx = tf.tensor1d(shuffle, 'int32');
        const xb1 = learn.xb.map((x) => keep(tf.gather(x, idx)));
        const yb1 = learn.yb.map((y) => keep(tf.gather(y, idx)));
        idx.dispose();
        learn.xb = learn.xb.map((x, k) => keep(tf.tidy(() => lerp(xb1[k], x, lam))));
        if (!stackY) learn.yb = learn.yb.map((y, k) => keep(tf.tidy(() => lerp(yb1[k], y, lam))));
        return { mix: { yb1, lam, lamValues, shuffle }, made };
      }), { alpha }),
    ),
});
