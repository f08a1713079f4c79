import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { definePlugin, definePluginFactory } from '../../plugin-sdk/index.ts';

const options = z.object({
  /** Largest allowed global L2 norm of the gradients. */
  maxNorm: z.number().positive().default(1),
});

/**
 * fastai's `GradientClip` (PyTorch's `clip_grad_norm_`): before each step, when the global L2 norm of all the
 * gradients exceeds `maxNorm`, every gradient is scaled by `maxNorm / (norm + 1e-6)`, which keeps their
 * direction. `lastNorm` holds the norm before clipping of the latest step.
 *
 * ```ts
 * plugins: [['gradient-clip', { maxNorm: 0.5 }]]
 * ```
 */
export default definePluginFactory({
  name: 'gradient-clip',
  options,
  description: 'clips the global L2 norm of the gradients (clip_grad_norm_)',
  create: ({ maxNorm }) =>
    definePlugin({
      name: 'gradient-clip',
      order: 11,
      runValid: false,
      maxNorm,
      lastNorm: null as number | null,
      beforeStep(learn) {
        const grads = learn.grads;
        if (!grads) return;
        const names = Object.keys(grads);
        if (names.length === 0) return;
        const norm = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))).dataSync()[0]);
        this.lastNorm = norm;
        const scale = this.maxNorm / (norm + 1e-6);
        if (!(scale < 1)) return;
        // The learner disposes what a plugin leaves in `grads` when the batch ends.
        learn.grads = Object.fromEntries(names.map((n) => [n, tf.mul(grads[n], scale)]));
      },
    }),
});
