import * as tf from '@tensorflow/tfjs';
import { defineStepper } from '../../plugin-sdk/index.ts';

/**
 * fastai's `l2_reg`: classic L2 regularisation folded into the gradient, `g ← g + wd·p` (what the presets
 * use with `decoupleWd: false`). Skipped for params whose state has `doWd: false`.
 * @example createOptimizer(params, 'sgd', { lr: 0.1, wd: 1e-4, decoupleWd: false })
 */
export default defineStepper({
  name: 'l2-reg',
  defaults: { wd: 0 },
  order: -20,
  requires: ['wd'],
  step: ({ param, grad, state, hypers: { wd }, scalar }) =>
    state.doWd !== false && wd !== 0 ? { grad: tf.add(grad, tf.mul(param, scalar(wd))) } : undefined,
});
