import * as tf from '@tensorflow/tfjs';
import { TapfitError, type LossFunc } from '../plugin-sdk/index.ts';

/**
 * Softmax cross-entropy from logits against integer class labels (fastai's `CrossEntropyLossFlat`):
 * leading dimensions are flattened, so an LM's (batch, seq, vocab) logits work with (batch, seq) labels.
 */
export const crossEntropy: LossFunc = (logits, labels) => {
  const nClasses = logits.shape[logits.shape.length - 1];
  const flat = logits.reshape([-1, nClasses]);
  const logProbs = tf.logSoftmax(flat);
  const idx = labels.reshape([-1]).toInt();
  const picked = tf.mul(logProbs, tf.oneHot(idx, nClasses)).sum(1);
  return picked.mean().neg() as tf.Scalar;
};

/** Mean squared error over flattened predictions and targets (fastai's `MSELossFlat`: `(n, 1)` vs `(n)` works). */
export const mse: LossFunc = (pred, target) => tf.losses.meanSquaredError(target.reshape([-1]), pred.reshape([-1])) as tf.Scalar;

/** Binary cross-entropy from logits, flattened (fastai's `BCEWithLogitsLossFlat`). */
export const bceWithLogits: LossFunc = (logits, target) =>
  tf.losses.sigmoidCrossEntropy(target.reshape([-1]), logits.reshape([-1])) as tf.Scalar;

export const LOSSES: Readonly<Record<string, LossFunc>> = {
  'cross-entropy': crossEntropy,
  mse,
  'bce-with-logits': bceWithLogits,
};

export type LossSpec = LossFunc | keyof typeof LOSSES;

export function resolveLoss(spec: LossSpec): LossFunc {
  if (typeof spec === 'function') return spec;
  const loss = LOSSES[spec];
  if (!loss) throw new TapfitError('E_CONFIG', `unknown loss "${spec}" (known: ${Object.keys(LOSSES).join(', ')})`);
  return loss;
}
