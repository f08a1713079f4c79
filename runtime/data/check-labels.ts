import type * as tf from '@tensorflow/tfjs';
import { TapfitError, type LossFunc, type LearnerView, type Pred } from '../../plugin-sdk/index.ts';
import { crossEntropy } from '../losses.ts';

/**
 * Class labels outside the model's output range make cross-entropy pick nothing (tfjs's `oneHot` of an
 * out-of-range index is all zeros): the loss row is 0 and the model "learns" nothing, silently. The labels of
 * the first batch of each phase (train, valid) are read once per fit and checked; later batches are not read,
 * so the loop keeps its one scalar read per batch.
 */
export class LabelCheck {
  private pending = new Set<boolean>();

  /** At the start of a fit: check the next training and validation batch. */
  reset(): void {
    this.pending = new Set([true, false]);
  }

  check(learn: LearnerView, lossFunc: LossFunc, pred: Pred | null, yb: readonly tf.Tensor[]): void {
    if (!this.pending.delete(learn.training)) return;
    if (lossFunc !== crossEntropy || !pred || Array.isArray(pred) || yb.length !== 1) return;
    const nClasses = pred.shape[pred.shape.length - 1];
    const labels = yb[0].dataSync();
    for (let i = 0; i < labels.length; i++) {
      const y = labels[i];
      if (Number.isInteger(y) && y >= 0 && y < nClasses) continue;
      const phase = learn.training ? 'train' : 'valid';
      throw new TapfitError(
        'E_DATA',
        `labels (dls.${phase}, first batch, item ${i}): ${y} is not a class of the model, which predicts ${nClasses} classes ` +
          `(expected integers 0..${nClasses - 1} for cross-entropy)`,
      );
    }
  }
}
