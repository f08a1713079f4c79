import * as tf from '@tensorflow/tfjs';
import { gatherPreds, type GatheredPreds, type GatherPredsOptions, type DataLoader } from '../../plugin-sdk/index.ts';
import { TensorDataLoader } from '../data/dataloaders.ts';
import type { LearnerView, Plugin } from '../../plugin-sdk/index.ts';

/** A learner that can run one validation pass with extra plugins (the runtime's `Learner`). */
export interface Learner extends LearnerView {
  validationPass(dl: DataLoader, plugins: readonly Plugin[]): Promise<void>;
}

/** The loop's counters and phase, which an inference pass must give back as it found them. */
function saveLoopState(learn: Learner) {
  const { dl, epoch, nEpoch, iter, nIter, training, pctTrain, trainIter, smoothLoss } = learn;
  return () => Object.assign(learn, { dl, epoch, nEpoch, iter, nIter, training, pctTrain, trainIter, smoothLoss });
}

/**
 * fastai's `get_preds` core: one validation pass over `dl` with a gather-preds plugin added. Only the
 * validation events fire (`beforeValidate`, the batches' `beforeBatch`, `afterPred`, `afterLoss`, `afterBatch`,
 * `afterValidate`); the loop's counters and the learner's plugins are as they were afterwards.
 */
export async function gatherPass(learn: Learner, dl: DataLoader, options: GatherPredsOptions): Promise<GatheredPreds> {
  const gather = gatherPreds(options);
  const restore = saveLoopState(learn);
  try {
    await learn.validationPass(dl, [gather]);
    return gather.result();
  } finally {
    gather.release();
    restore();
  }
}

/** A loader over tensors the caller owns (batches are gathered copies; `x` itself is never disposed). */
export function loaderOver(tensors: tf.Tensor[], batchSize = 64): DataLoader {
  return new TensorDataLoader(tensors, { batchSize, shuffle: false });
}
