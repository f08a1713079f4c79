import * as tf from '@tensorflow/tfjs';
import { TapfitError, type DescribedLoss, type LossFunc, type LossInfo } from '../plugin-sdk/index.ts';

/** A loss from its per-item values (the mean), with fastai's loss-class attributes attached. */
function described(perItem: NonNullable<LossInfo['perItem']>, info: Omit<LossInfo, 'perItem'>): DescribedLoss {
  const loss: LossFunc = (pred, ...targets) => tf.tidy(() => perItem(pred, ...targets).mean() as tf.Scalar);
  return Object.assign(loss, { ...info, perItem });
}

const flatLogits = (logits: tf.Tensor): tf.Tensor2D => logits.reshape([-1, logits.shape[logits.shape.length - 1]!]);
const softmaxLast = (pred: tf.Tensor) => tf.softmax(pred);
const argMaxLast = (probs: tf.Tensor) => probs.argMax(-1);

/**
 * Softmax cross-entropy from logits against integer class labels (fastai's `CrossEntropyLossFlat`):
 * leading dimensions are flattened, so an LM's (batch, seq, vocab) logits work with (batch, seq) labels.
 */
export const crossEntropy: DescribedLoss = described(
  (logits, labels) =>
    tf.tidy(() => {
      const flat = flatLogits(logits);
      const picked = tf.mul(tf.logSoftmax(flat), tf.oneHot(labels.reshape([-1]).toInt(), flat.shape[1])).sum(1);
      return picked.neg();
    }),
  { yInt: true, activation: softmaxLast, decodes: argMaxLast },
);

/**
 * fastai's `LabelSmoothingCrossEntropy(eps=0.1)` (flattened like `crossEntropy`):
 * `−Σ log_softmax · eps/c + (1 − eps)·nll` per item.
 */
export function labelSmoothingCrossEntropy(eps = 0.1): DescribedLoss {
  if (!(eps >= 0 && eps <= 1)) throw new TapfitError('E_CONFIG', `label smoothing eps must be in [0, 1], got ${eps}`);
  return described(
    (logits, labels) =>
      tf.tidy(() => {
        const flat = flatLogits(logits);
        const c = flat.shape[1];
        const logProbs = tf.logSoftmax(flat);
        const nll = tf.mul(logProbs, tf.oneHot(labels.reshape([-1]).toInt(), c)).sum(1).neg();
        return tf.add(tf.mul(logProbs.sum(1).neg(), eps / c), tf.mul(nll, 1 - eps));
      }),
    { yInt: true, activation: softmaxLast, decodes: argMaxLast },
  );
}

/** Mean squared error over flattened predictions and targets (fastai's `MSELossFlat`: `(n, 1)` vs `(n)` works). */
export const mse: DescribedLoss = described((pred, target) => tf.tidy(() => tf.squaredDifference(pred.reshape([-1]), target.reshape([-1]).toFloat())), {});

/** Binary cross-entropy from logits, flattened (fastai's `BCEWithLogitsLossFlat`): `softplus(x) − x·y`. */
export const bceWithLogits: DescribedLoss = described(
  (logits, target) =>
    tf.tidy(() => {
      const x = logits.reshape([-1]);
      return tf.sub(tf.softplus(x), tf.mul(x, target.reshape([-1]).toFloat()));
    }),
  { activation: (p) => tf.sigmoid(p), decodes: (probs) => tf.greater(probs, 0.5).toInt() },
);

export const LOSSES: Readonly<Record<string, DescribedLoss>> = {
  'cross-entropy': crossEntropy,
  mse,
  'bce-with-logits': bceWithLogits,
  'label-smoothing-cross-entropy': labelSmoothingCrossEntropy(0.1),
};

export type LossSpec = LossFunc | keyof typeof LOSSES;

export function resolveLoss(spec: LossSpec): LossFunc {
  if (typeof spec === 'function') return spec;
  const loss = LOSSES[spec];
  if (!loss) throw new TapfitError('E_CONFIG', `unknown loss "${spec}" (known: ${Object.keys(LOSSES).join(', ')})`);
  return loss;
}
