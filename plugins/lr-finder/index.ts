import { z } from 'zod';
import {
  CancelFitError,
  CancelValidateError,
  definePlugin,
  definePluginFactory,
  paramSchedule,
  schedExp,
  snapshotWeights,
  type LearnerView,
  type WeightSnapshot,
} from '../../plugin-sdk/index.ts';

const lr = z.union([z.number().positive(), z.array(z.number().positive()).nonempty()]);
const options = z.object({
  startLr: lr.default(1e-7),
  endLr: lr.default(10),
  numIt: z.number().int().positive().default(100),
  /** Stop once the smoothed loss exceeds 4× the best seen. */
  stopDiv: z.boolean().default(true),
});

/**
 * fastai's `LRFinder`: training batch k uses `lr = startLr·(endLr/startLr)^(k/numIt)`; it stops after
 * `numIt` batches, or as soon as the recorder's smoothed loss exceeds 4× the best one; validation is
 * skipped. Afterwards the weights and the optimizer (state and hypers) are as they were before. The
 * learner's `lrFind()` runs it and computes the suggestions from `learn.recorder`.
 *
 * ```ts
 * const { valley } = await learn.lrFind();                 // uses this plugin
 * await learn.fit(1, undefined, { plugins: [['lr-finder', { numIt: 50 }]] }); // by hand
 * ```
 */
export default definePluginFactory({
  name: 'lr-finder',
  options,
  description: 'exponential lr sweep that stops when the loss diverges, then restores the model and optimizer',
  create: (o) => {
    const numIt = Math.max(o.numIt, 6);
    // fastai's `LRFinder(ParamScheduler)`: the scheduler's body, read at `trainIter / numIt` rather than `pctTrain`.
    const body = paramSchedule({ scheds: { lr: schedExp(o.startLr, o.endLr) }, position: (learn) => learn.trainIter / numIt });
    return definePlugin({
      name: 'lr-finder',
      roles: ['lr-sweep'],
      ...body,
      numIt,
      bestLoss: Number.POSITIVE_INFINITY,
      /** Weights, buffers and optimizer state from before the sweep (fastai saves them to a temporary file). */
      snapshot: null as WeightSnapshot | null,
      beforeFit(learn) {
        body.beforeFit.call(this, learn);
        this.bestLoss = Number.POSITIVE_INFINITY;
        this.snapshot = snapshotWeights(learn, { optimizer: true });
      },
      afterBatch(learn) {
        body.afterBatch.call(this, learn);
        const loss = learn.recorder?.smoothLoss ?? learn.smoothLoss ?? Number.NaN;
        if (loss < this.bestLoss) this.bestLoss = loss;
        if (o.stopDiv && loss > 4 * this.bestLoss) throw new CancelFitError('lr-finder: the loss diverged');
        if (learn.trainIter >= this.numIt) throw new CancelFitError('lr-finder: done');
      },
      beforeValidate() {
        throw new CancelValidateError('lr-finder skips validation');
      },
      afterFit(learn) {
        learn.opt.zeroGrad();
        this.restore(learn);
      },
      onError(learn) {
        this.restore(learn);
      },
      restore(learn: LearnerView) {
        if (!this.snapshot) return;
        this.snapshot.restore(learn);
        this.snapshot.dispose();
        this.snapshot = null;
      },
    });
  },
});
