import * as tf from '@tensorflow/tfjs';
import { defineStepper } from '../../plugin-sdk/index.ts';

/**
 * fastai's `sgd_step`: `p ← p − lr·g`.
 * @example createOptimizer(params, { steppers: ['sgd-step'], hypers: { lr: 0.1 } })
 */
export default defineStepper({
  name: 'sgd-step',
  order: 10,
  requires: ['lr'],
  step: ({ param, grad, hypers: { lr }, scalar }) => ({ param: tf.sub(param, tf.mul(grad, scalar(lr))) }),
});
