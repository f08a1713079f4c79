import * as tf from '@tensorflow/tfjs';
import { debias, defineStepper, requireStateTensor, stateNumber } from '../../plugin-sdk/index.ts';

/** Root mean square of a tensor, as a scalar tensor. */
const rms = (t: tf.Tensor) => tf.sqrt(tf.mean(tf.square(t)));

/**
 * fastai's `lamb_step`: the Adam direction `u` scaled by the trust ratio `q = min(rms(p)/rms(u), 10)`
 * (1 when either is 0): `p ← p − lr·q·u`.
 * @example createOptimizer(params, 'lamb', { lr: 1e-3 })
 */
export default defineStepper({
  name: 'lamb-step',
  order: 10,
  runAfter: ['average-grad', 'average-sqr-grad', 'step-stat'],
  requires: ['lr', 'mom', 'sqrMom', 'eps'],
  step: ({ param, state, hypers: { lr, mom, sqrMom, eps }, scalar }) => {
    const step = stateNumber(state, 'step', 0);
    const d1 = debias(mom, 1 - mom, step);
    const d2 = debias(sqrMom, 1 - sqrMom, step);
    const gradAvg = requireStateTensor(state, 'gradAvg', 'lamb-step');
    const sqrAvg = requireStateTensor(state, 'sqrAvg', 'lamb-step');
    const u = tf.div(tf.div(gradAvg, scalar(d1)), tf.add(tf.sqrt(tf.div(sqrAvg, scalar(d2))), scalar(eps)));
    const r1 = rms(param);
    const r2 = rms(u);
    const degenerate = tf.logicalOr(tf.equal(r1, 0), tf.equal(r2, 0));
    const q = tf.where(degenerate, tf.onesLike(r1), tf.minimum(tf.div(r1, r2), 10));
    return { param: tf.sub(param, tf.mul(u, tf.mul(q, scalar(lr)))) };
  },
});
