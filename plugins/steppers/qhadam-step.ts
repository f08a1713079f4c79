import * as tf from '@tensorflow/tfjs';
import { debias, defineStepper, requireStateTensor, stateNumber } from '../../plugin-sdk/index.ts';

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
  step: ({ param, grad, state, hypers: { lr, mom, sqrMom, nu1, nu2, eps }, scalar }) => {
    const step = stateNumber(state, 'step', 0);
    const d1 = debias(mom, 1 - mom, step);
    const d2 = debias(sqrMom, 1 - sqrMom, step);
    const gradAvg = requireStateTensor(state, 'gradAvg', 'qhadam-step');
    const sqrAvg = requireStateTensor(state, 'sqrAvg', 'qhadam-step');
    const num = tf.add(tf.mul(grad, scalar(1 - nu1)), tf.mul(gradAvg, scalar(nu1 / d1)));
    const den = tf.add(tf.sqrt(tf.add(tf.mul(tf.square(grad), scalar(1 - nu2)), tf.mul(sqrAvg, scalar(nu2 / d2)))), scalar(eps));
    return { param: tf.sub(param, tf.div(tf.mul(num, scalar(lr)), den)) };
  },
});
