import * as tf from '@tensorflow/tfjs';
import { defineStepper, stateTensor } from '../../plugin-sdk/index.ts';

/**
 * fastai's `average_grad`: `gradAvg ← mom·gradAvg + damp·g` (starting from zeros), with `damp = 1 − mom`
 * when the hyper `dampening` is non-zero, else 1 (fastai's default `dampening=False`; Adam-like presets set 1).
 * @example createOptimizer(params, { steppers: ['average-grad', 'momentum-step'], hypers: { lr: 0.1, mom: 0.9 } })
 */
export default defineStepper({
  name: 'average-grad',
  defaults: { mom: 0.9, dampening: 0 },
  order: -10,
  requires: ['mom', 'dampening'],
  step: ({ grad, state, hypers: { mom, dampening }, scalar }) => {
    const avg = stateTensor(state, 'gradAvg');
    // Undamped, the gradient is used as is (the optimizer copies it if it ends up in the state).
    const damped = dampening ? tf.mul(grad, scalar(1 - mom)) : grad;
    return { state: { gradAvg: avg ? tf.add(tf.mul(avg, scalar(mom)), damped) : damped } };
  },
});
