import * as tf from '@tensorflow/tfjs';
import { defineStepper } from '../../plugin-sdk/index.ts';

/**
 * fastai's `weight_decay`: decoupled weight decay `p ← p·(1 − lr·wd)`, skipped for params whose state has
 * `doWd: false` (biases and norm layers by default). Used by every preset unless `decoupleWd: false`.
 * @example createOptimizer(params, { steppers: ['weight-decay', 'sgd-step'], hypers: { lr: 0.1, wd: 0.01 } })
 */
export default defineStepper({
  name: 'weight-decay',
  defaults: { wd: 0 },
  order: -20,
  requires: ['lr', 'wd'],
  step: ({ param, state, hypers: { lr, wd }, scalar }) =>
    state.doWd !== false && wd !== 0 ? { param: tf.mul(param, scalar(1 - lr * wd)) } : undefined,
});
