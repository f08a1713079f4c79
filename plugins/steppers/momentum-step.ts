import * as tf from '@tensorflow/tfjs';
import { defineStepper, requireStateTensor } from '../../plugin-sdk/index.ts';

/**
 * fastai's `momentum_step`: `p ← p − lr·gradAvg` (needs `average-grad` before it).
 * @example createOptimizer(params, 'sgd', { lr: 0.1, mom: 0.9 }) // weight-decay, average-grad, momentum-step
 */
export default defineStepper({
  name: 'momentum-step',
  order: 10,
  runAfter: ['average-grad'],
  requires: ['lr'],
  step: ({ param, state, hypers: { lr }, scalar }) => ({
    param: tf.sub(param, tf.mul(requireStateTensor(state, 'gradAvg', 'momentum-step'), scalar(lr))),
  }),
});
