import * as tf from '@tensorflow/tfjs';
import { debias, defineStepper, requireStateTensor, stateNumber } from '../../plugin-sdk/index.ts';

/** torch's `softplus(x, beta)`: `ln(1 + e^{β·x})/β`, and `x` itself where `β·x > 20`. */
function softplus(x: tf.Tensor, beta: number): tf.Tensor {
  const bx = tf.mul(x, beta);
  return tf.where(tf.greater(bx, 20), x, tf.div(tf.log1p(tf.exp(bx)), beta));
}

/**
 * fastai's `radam_step` (rectified Adam): plain debiased momentum while the variance rectification term
 * `r ≤ 5` (the first steps), Adam scaled by the rectifier `v` afterwards; `beta ≠ 0` smooths the
 * denominator with a softplus.
 * @example createOptimizer(params, 'radam', { lr: 1e-3 })
 */
export default defineStepper({
  name: 'radam-step',
  order: 10,
  runAfter: ['average-grad', 'average-sqr-grad', 'step-stat'],
  requires: ['lr', 'mom', 'sqrMom', 'eps', 'beta'],
  step: ({ param, state, hypers: { lr, mom, sqrMom, eps, beta }, scalar }) => {
    const step = stateNumber(state, 'step', 0);
    const d1 = debias(mom, 1 - mom, step);
    const d2 = debias(sqrMom, 1 - sqrMom, step);
    const rInf = 2 / (1 - sqrMom) - 1;
    const r = rInf - (2 * step * sqrMom ** step) / (1 - sqrMom ** step);
    const gradAvg = requireStateTensor(state, 'gradAvg', 'radam-step');
    if (r <= 5) return { param: tf.sub(param, tf.mul(gradAvg, scalar(lr / d1))) };
    const v = Math.sqrt(((r - 4) * (r - 2) * rInf) / ((rInf - 4) * (rInf - 2) * r));
    let den = tf.sqrt(tf.div(requireStateTensor(state, 'sqrAvg', 'radam-step'), scalar(d2)));
    if (eps) den = tf.add(den, scalar(eps));
    if (beta) den = softplus(den, beta);
    return { param: tf.sub(param, tf.div(tf.mul(gradAvg, scalar((lr * v) / d1)), den)) };
  },
});
