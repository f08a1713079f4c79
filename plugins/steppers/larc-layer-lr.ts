import * as tf from '@tensorflow/tfjs';
import { defineStepper } from '../../plugin-sdk/index.ts';

/**
 * fastai's `larc_layer_lr`: a per-tensor learning rate `lr·trustCoeff·‖p‖/(‖g‖ + ‖p‖·wd + eps)`, clipped
 * to `lr` while the hyper `clip` is non-zero; stored as the scalar tensor `state.localLr` for `larc-step`.
 * @example createOptimizer(params, 'larc', { lr: 0.1, clip: false })
 */
export default defineStepper({
  name: 'larc-layer-lr',
  defaults: { trustCoeff: 0.02, wd: 0, eps: 1e-8, clip: 1 },
  requires: ['lr', 'trustCoeff', 'wd', 'eps', 'clip'],
  step: ({ param, grad, hypers: { lr, trustCoeff, wd, eps, clip } }) => {
    const pNorm = tf.norm(param);
    const local = tf.div(tf.mul(pNorm, lr * trustCoeff), tf.add(tf.add(tf.norm(grad), tf.mul(pNorm, wd)), eps));
    return { state: { localLr: clip ? tf.minimum(local, lr) : local } };
  },
});
