import * as tf from '@tensorflow/tfjs';
import { defineStepper, requireStateTensor, stateTensor } from '../../plugin-sdk/index.ts';

/**
 * fastai's `larc_step`: `p ← p − localLr·(gradAvg ?? g)`, with `localLr` from `larc-layer-lr`.
 * @example createOptimizer(params, 'larc', { lr: 0.1 }) // weight-decay, average-grad, larc-layer-lr, larc-step
 */
export default defineStepper({
  name: 'larc-step',
  order: 10,
  runAfter: ['average-grad', 'larc-layer-lr'],
  step: ({ param, grad, state }) => {
    const localLr = requireStateTensor(state, 'localLr', 'larc-step');
    return { param: tf.sub(param, tf.mul(stateTensor(state, 'gradAvg') ?? grad, localLr)) };
  },
});
