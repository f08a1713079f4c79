import * as tf from '@tensorflow/tfjs';
import { adamStats, defineStepper } from '../../plugin-sdk/index.ts';

/**
 * fastai's `qhadam_step` (quasi-hyperbolic Adam):
 * `p ← p − lr·[(1−nu1)·g + nu1·gradAvg/d1] / (√((1−nu2)·g² + nu2·sqrAvg/d2) + eps)`.
 * @example createOptimizer(params, 'qhadam', { lr: 1e-3 })
 */
export default defineStepper({
  name: 'qhadam-step',
  order: 10,
  runAfter: ['average-grad', 'average-sqr-grad', 'step-stat'],
  requires: ['lr', 'mom', 'sqrMom', 'nu1', 'nu2', 'eps'],
  step: ({ param, grad, state, hypers, scalar }) => {
    const { lr, nu1, nu2, eps } = hypers;
    const { gradAvg, sqrAvg, d1, d2 } = adamStats(state, hypers, 'qhadam-step');
    const num = tf.add(tf.mul(grad, scalar(1 - nu1)), tf.mul(gradAvg, scalar(nu1 / d1)));
    const den = tf.add(tf.sqrt(tf.add(tf.mul(tf.square(grad), scalar(1 - nu2)), tf.mul(sqrAvg, scalar(nu2 / d2)))), scalar(eps));
    return { param: tf.sub(param, tf.div(tf.mul(num, scalar(lr)), den)) };
  },
});
