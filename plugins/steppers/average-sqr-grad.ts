import * as tf from '@tensorflow/tfjs';
import { defineStepper, stateTensor } from '../../plugin-sdk/index.ts';

/**
 * fastai's `average_sqr_grad`: `sqrAvg ← sqrMom·sqrAvg + damp·g²` (starting from zeros), with
 * `damp = 1 − sqrMom` while the hyper `sqrDampening` is non-zero (fastai's default `dampening=True`), else 1.
 * @example createOptimizer(params, { steppers: ['average-sqr-grad', 'rms-prop-step'], hypers: { lr: 0.01 } })
 */
export default defineStepper({
  name: 'average-sqr-grad',
  defaults: { sqrMom: 0.99, sqrDampening: 1 },
  order: -10,
  requires: ['sqrMom', 'sqrDampening'],
  step: ({ grad, state, hypers: { sqrMom, sqrDampening }, scalar }) => {
    const avg = stateTensor(state, 'sqrAvg');
    const sqr = tf.square(grad);
    const damped = sqrDampening ? tf.mul(sqr, scalar(1 - sqrMom)) : sqr;
    return { state: { sqrAvg: avg ? tf.add(tf.mul(avg, scalar(sqrMom)), damped) : damped } };
  },
});
