import * as tf from '@tensorflow/tfjs';
import { adamStats, defineStepper } from '../../plugin-sdk/index.ts';

/**
 * fastai's `adam_step`: `p ← p − (lr/d1)·gradAvg/(√(sqrAvg/d2) + eps)` with `d1 = 1 − mom^step`,
 * `d2 = 1 − sqrMom^step` (fastai's `debias`). Needs `average-grad` (damped), `average-sqr-grad`, `step-stat`.
 * @example createOptimizer(params, 'adam', { lr: 1e-3 })
 */
export default defineStepper({
  name: 'adam-step',
  order: 10,
  runAfter: ['average-grad', 'average-sqr-grad', 'step-stat'],
  requires: ['lr', 'mom', 'sqrMom', 'eps'],
  step: ({ param, state, hypers, scalar }) => {
    const { lr, eps } = hypers;
    const { gradAvg, sqrAvg, d1, d2 } = adamStats(state, hypers, 'adam-step');
    const den = tf.add(tf.sqrt(tf.div(sqrAvg, scalar(d2))), scalar(eps));
    return { param: tf.sub(param, tf.div(tf.mul(gradAvg, scalar(lr / d1)), den)) };
  },
});
