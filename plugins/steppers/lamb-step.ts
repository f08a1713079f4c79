import * as tf from '@tensorflow/tfjs';
import { adamStats, defineStepper } from '../../plugin-sdk/index.ts';

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
  step: ({ param, state, hypers, scalar }) => {
    const { lr, eps } = hypers;
    const { gradAvg, sqrAvg, d1, d2 } = adamStats(state, hypers, 'lamb-step');
    const u = tf.div(tf.div(gradAvg, scalar(d1)), tf.add(tf.sqrt(tf.div(sqrAvg, scalar(d2))), scalar(eps)));
    const r1 = rms(param);
    const r2 = rms(u);
    const degenerate = tf.logicalOr(tf.equal(r1, 0), tf.equal(r2, 0));
    const q = tf.where(degenerate, tf.onesLike(r1), tf.minimum(tf.div(r1, r2), 10));
    return { param: tf.sub(param, tf.mul(u, tf.mul(q, scalar(lr)))) };
  },
});
