import type { Scalar, Tensor } from '@tensorflow/tfjs';
import { z } from 'zod';
// `tf` from the SDK is the learner's own TensorFlow.js, even where this package has its own copy of tapfit.
import { definePlugin, definePluginFactory, tf } from 'tapfit/plugin-sdk';

const options = z.strictObject({
  /** How much probability mass is spread uniformly over all classes; 0 is plain cross-entropy. */
  eps: z.number().min(0).max(1).default(0.1),
  /** Print the mean smoothed and plain training loss after each epoch's training phase. */
  report: z.boolean().default(true),
});

/**
 * fastai's `LabelSmoothingCrossEntropy`: `(1 − eps)·nll + eps·mean_c(−log p_c)`, differentiated in place of the loss. */
export function smoothedCrossEntropy(logits: Tensor, labels: Tensor, eps: number): Scalar {
  return tf.tidy(() => {
    const nClasses = logits.shape[logits.shape.length - 1];
    const logProbs = tf.logSoftmax(logits.reshape([-1, nClasses]));
    const nll = tf.mul(logProbs, tf.oneHot(labels.reshape([-1]).toInt(), nClasses)).sum(1).mean().neg();
    const uniform = logProbs.mean(1).mean().neg();
    return tf.add(tf.mul(nll, 1 - eps), tf.mul(uniform, eps)) as Scalar;
  });
}

/**
 * Label smoothing as a tapfit plugin: after the loss is computed on a training batch, the loss that is
 * differentiated (`learn.lossGrad`) becomes the label-smoothed cross-entropy of the same predictions, so the
 * model is not pushed towards over-confident logits. `learn.loss` (what the recorder reports) stays the
 * plain loss; with `report`, the plugin logs both after each training phase.
 *
 * ```ts
 * // tapfit.config.ts
 * export default { model: 'mnist-mlp', data: 'mnist', plugins: [['tapfit-plugin-label-smoothing', { eps: 0.1 }]] };
 * // or in code
 * import labelSmoothing from 'tapfit-plugin-label-smoothing';
 * const learn = await Learner.create({ model, dls, plugins: [labelSmoothing({ eps: 0.1 })] });
 * ```
 */
export default definePluginFactory({
  name: 'label-smoothing',
  options,
  description: 'trains on label-smoothed cross-entropy (fastai LabelSmoothingCrossEntropy)',
  create: ({ eps, report }) =>
    definePlugin({
      name: 'label-smoothing',
      // Only the training loss is differentiated; validation keeps the plain loss.
      runValid: false,
      eps,
      smoothedSum: 0,
      plainSum: 0,
      batches: 0,
      reporting: false,
      beforeTrain(learn) {
        // An lr-finder sweep is thrown away afterwards: nothing worth reporting.
        this.reporting = report && !learn.sweeping;
        this.smoothedSum = this.plainSum = this.batches = 0;
      },
      afterLoss(learn) {
        const pred = Array.isArray(learn.pred) ? learn.pred[0] : learn.pred;
        if (!pred || learn.yb.length === 0) return;
        learn.lossGrad = smoothedCrossEntropy(pred, learn.yb[0], this.eps);
      },
      afterBatch(learn) {
        if (!this.reporting || !learn.loss || !learn.lossGrad) return;
        this.smoothedSum += learn.lossGrad.dataSync()[0];
        this.plainSum += learn.loss.dataSync()[0];
        this.batches += 1;
      },
      afterTrain(learn) {
        if (!this.reporting || this.batches === 0) return;
        const mean = (x: number) => (x / this.batches).toFixed(4);
        learn.log(`label-smoothing: epoch ${learn.epoch} trained on smoothed loss ${mean(this.smoothedSum)} (eps ${this.eps}; plain cross-entropy ${mean(this.plainSum)})`);
      },
    }),
});
