import * as tf from '@tensorflow/tfjs';
import { lossInfo, SeededRandom, TapfitError, type LearnerView, type LossFunc, type Plugin } from '../../plugin-sdk/index.ts';

/** What one batch's mix decided: the partner targets and the weight of the original items. */
export interface Mix {
  /** The shuffled partner batch's targets (fastai's `yb1`). */
  yb1: tf.Tensor[];
  /** Weight of the original items: one per item (mixup) or one for the batch (cutmix). */
  lam: tf.Tensor;
  /** The same weights as numbers, and the partner of each item (for inspection and tests). */
  lamValues: number[];
  shuffle: Int32Array;
  /** cutmix's box `[x1, y1, x2, y2]`. */
  box?: [number, number, number, number];
}

/** `a + w·(b − a)` with `w` broadcast over the trailing dimensions of `a` (torch's `lerp`). */
export function lerp(a: tf.Tensor, b: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const weight = w.rank === 0 ? w : w.reshape([w.shape[0], ...Array<number>(Math.max(a.rank - 1, 0)).fill(1)]);
  return tf.add(a, tf.mul(weight, tf.sub(b.toFloat(), a.toFloat())));
}

/**
 * fastai's `MixHandler` (training only): while training, a loss whose targets are class ids (`yInt`) is
 * replaced by one that mixes the per-item losses on the original and the partner targets,
 * `mean(lerp(loss(pred, yb1), loss(pred, yb), lam))`; other losses get mixed targets instead. The original loss
 * is back for validation, after training, and on a cancel or an error. `mixBatch` draws the mix in
 * `beforeBatch` and may replace `learn.xb`/`learn.yb`; every tensor it returns in `made` is disposed when the
 * batch ends.
 */
export function mixHandler(
  name: string,
  seed: number,
  mixBatch: (learn: LearnerView, rng: SeededRandom, stackY: boolean) => { mix: Mix; made: tf.Tensor[] },
): MixPlugin {
  const rng = new SeededRandom(seed);
  let oldLossFunc: LossFunc | null = null;
  let current: Mix | null = null;
  let made: tf.Tensor[] = [];
  let last: MixPlugin['last'] = null;

  const mixedLoss: LossFunc = (pred, ...yb) => {
    const original = oldLossFunc!;
    if (!current) return original(pred, ...yb);
    const perItem = lossInfo(original).perItem;
    if (!perItem) {
      throw new TapfitError('E_CONFIG', `${name}: the loss has class-id targets (yInt) but no per-item form (perItem) to mix`);
    }
    const { yb1, lam } = current;
    return tf.tidy(() => {
      const bs = yb[0].shape[0];
      const each = (targets: tf.Tensor[]) => perItem(pred, ...targets).reshape([bs, -1]).mean(1);
      return lerp(each(yb1), each(yb), lam).mean() as tf.Scalar;
    });
  };
  const restore = (learn: LearnerView) => {
    if (oldLossFunc) learn.lossFunc = oldLossFunc;
    oldLossFunc = null;
  };
  const release = () => {
    for (const t of made) t.dispose();
    made = [];
    current = null;
  };

  return {
    name,
    runValid: false,
    /** The last training batch's `lam` (per item, or one value) and partner indices. */
    get last() {
      return last;
    },
    beforeTrain(learn) {
      if (lossInfo(learn.lossFunc).yInt && !oldLossFunc) {
        oldLossFunc = learn.lossFunc;
        learn.lossFunc = mixedLoss;
      }
    },
    beforeBatch(learn) {
      release();
      const result = mixBatch(learn, rng, oldLossFunc !== null);
      made = result.made;
      current = result.mix;
      last = { lam: result.mix.lamValues, shuffle: result.mix.shuffle, box: result.mix.box };
    },
    afterBatch: release,
    afterTrain: restore,
    afterCancelTrain: restore,
    afterCancelFit: restore,
    onError(learn) {
      release();
      restore(learn);
    },
  };
}

export type MixPlugin = Plugin & { readonly last: { lam: number[]; shuffle: Int32Array; box?: [number, number, number, number] } | null };
