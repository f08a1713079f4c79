import type * as tf from '@tensorflow/tfjs';
import type { LossFunc } from './types.ts';

/**
 * What fastai's loss classes carry besides the loss (`y_int`, `activation`, `decodes`, `reduction='none'`),
 * as optional properties of a loss function. The built-in losses have them; plugins (mixup, cutmix) and
 * inference (`getPreds`, `predict`) read them with `lossInfo`.
 */
export interface LossInfo {
  /** The targets are integer class ids (fastai's `y_int`): mixing plugins mix the loss, not the targets. */
  yInt?: boolean;
  /** The unreduced loss, one value per item (the loss's mean is the usual loss): fastai's `NoneReduce`. */
  perItem?: (pred: tf.Tensor, ...targets: tf.Tensor[]) => tf.Tensor;
  /** From the model's output to probabilities (softmax for cross-entropy, sigmoid for BCE). */
  activation?: (pred: tf.Tensor) => tf.Tensor;
  /** From probabilities to a decoded prediction (argmax for cross-entropy, `p > 0.5` for BCE). */
  decodes?: (probs: tf.Tensor) => tf.Tensor;
}

export type DescribedLoss = LossFunc & LossInfo;

/** The loss's `LossInfo`; a plain function has none. */
export function lossInfo(lossFunc: LossFunc): LossInfo {
  const { yInt, perItem, activation, decodes } = lossFunc as DescribedLoss;
  return { yInt, perItem, activation, decodes };
}
