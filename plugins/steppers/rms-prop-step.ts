import * as tf from '@tensorflow/tfjs';
import { defineStepper, requireStateTensor, stateTensor } from '../../plugin-sdk/index.ts';

/**
 * fastai's `rms_prop_step`: `p ← p − lr·(gradAvg ?? g)/(√sqrAvg + eps)`.
 * @example createOptimizer(params, 'rmsprop', { lr: 0.01, mom: 0.9 })
 */
export default defineStepper({
  name: 'rms-prop-step',
  defaults: { eps: 1e-8 },
  order: 10,
  runAfter: ['average-grad', 'average-sqr-grad'],
  requires: ['lr', 'eps'],
  step: ({ param, grad, state, hypers: { lr, eps }, scalar }) => {
    const sqrAvg = requireStateTensor(state, 'sqrAvg', 'rms-prop-step');
    const num = stateTensor(state, 'gradAvg') ?? grad;
    return { param: tf.sub(param, tf.div(tf.mul(num, scalar(lr)), tf.add(tf.sqrt(sqrAvg), scalar(eps)))) };
  },
});
