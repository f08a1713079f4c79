import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { CancelBatchError, definePlugin, definePluginFactory, type LearnerView } from '../../plugin-sdk/index.ts';

const options = z.object({
  /** Items (not batches) to accumulate gradients over before a step. */
  nAcc: z.number().int().positive().default(32),
});

/** fastai's `find_bs(yb)`: the batch size is the first dimension of the first target. */
const batchSize = (learn: LearnerView) => learn.yb[0]?.shape[0] ?? learn.xb[0]?.shape[0] ?? 0;

/**
 * fastai's `GradientAccumulation(n_acc=32)` (order 6, training only): each batch's loss is scaled by
 * `bs/nAcc` and `beforeStep` cancels the batch until `nAcc` items are seen, so the step and `zeroGrad` are
 * skipped and the gradients add up; the step then runs on the gradient of the mean over the `nAcc` items.
 * The recorded loss (`learn.loss`) is the unscaled one; only `lossGrad` is scaled.
 *
 * ```ts
 * plugins: [['gradient-accumulation', { nAcc: 64 }]]
 * ```
 */
export default definePluginFactory({
  name: 'gradient-accumulation',
  options,
  description: 'accumulates gradients over nAcc items before each step (GradientAccumulation)',
  create: ({ nAcc }) => {
    let count = 0;
    return definePlugin({
      name: 'gradient-accumulation',
      order: 6,
      runValid: false,
      nAcc,
      /** Items accumulated since the last step. */
      get count(): number {
        return count;
      },
      beforeFit() {
        count = 0;
      },
      afterLoss(learn) {
        // The learner disposes what a plugin leaves in `lossGrad` when the batch ends.
        learn.lossGrad = tf.div(learn.lossGrad!, nAcc / batchSize(learn)) as tf.Scalar;
      },
      beforeStep(learn) {
        count += batchSize(learn);
        if (count < nAcc) throw new CancelBatchError('gradient-accumulation: accumulating');
        count = 0;
      },
    });
  },
});
