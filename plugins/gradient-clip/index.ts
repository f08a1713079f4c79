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
 * direction. The scale is computed on the device (`min(1, maxNorm / (norm + 1e-6))`), so clipping never waits
 * for a GPU→CPU read; `lastNorm` reads the latest step's norm before clipping only when asked.
 *
 * ```ts
 * plugins: [['gradient-clip', { maxNorm: 0.5 }]]
 * ```
 */
export default definePluginFactory({
  name: 'gradient-clip',
  options,
  description: 'clips the global L2 norm of the gradients (clip_grad_norm_)',
  create: ({ maxNorm }) => {
    let norm: tf.Scalar | null = null;
    let normAtFitEnd: number | null = null;
    const release = () => {
      norm?.dispose();
      norm = null;
    };
    return definePlugin({
      name: 'gradient-clip',
      order: 11,
      runValid: false,
      maxNorm,
      /** The global norm of the latest step's gradients before clipping (read from the device on access). */
      get lastNorm(): number | null {
        return norm ? norm.dataSync()[0] : normAtFitEnd;
      },
      beforeStep(learn) {
        const grads = learn.grads;
        if (!grads) return;
        const names = Object.keys(grads);
        if (names.length === 0) return;
        release();
        const clipped = tf.tidy(() => {
          const total = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))) as tf.Scalar;
          norm = tf.keep(total);
          const scale = tf.minimum(1, tf.div(this.maxNorm, tf.add(total, 1e-6)));
          return Object.fromEntries(names.map((n) => [n, tf.mul(grads[n], scale)]));
        });
        // The learner disposes what a plugin leaves in `grads` when the batch ends.
        learn.grads = clipped;
      },
      afterFit() {
        // One read when the fit ends keeps `lastNorm` available without holding a tensor between fits.
        if (norm) normAtFitEnd = norm.dataSync()[0];
        release();
      },
      onError: release,
    });
  },
});
