import * as tf from '@tensorflow/tfjs';
import { debias, defineStepper, requireStateTensor, stateNumber } from '../../plugin-sdk/index.ts';

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
  step: ({ param, state, hypers: { lr, mom, sqrMom, eps }, scalar }) => {
    const step = stateNumber(state, 'step', 0);
    const d1 = debias(mom, 1 - mom, step);
    const d2 = debias(sqrMom, 1 - sqrMom, step);
    const gradAvg = requireStateTensor(state, 'gradAvg', 'adam-step');
    const den = tf.add(tf.sqrt(tf.div(requireStateTensor(state, 'sqrAvg', 'adam-step'), scalar(d2))), scalar(eps));
    return { param: tf.sub(param, tf.div(tf.mul(gradAvg, scalar(lr / d1)), den)) };
  },
});
