import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  CancelFitError,
  CancelValidateError,
  definePlugin,
  definePluginFactory,
  schedExp,
  type Learner,
  type OptimizerStateDict,
  type Schedule,
} from '../../plugin-sdk/index.ts';

const lr = z.union([z.number().positive(), z.array(z.number().positive()).nonempty()]);
const options = z.object({
  startLr: lr.default(1e-7),
  endLr: lr.default(10),
  numIt: z.number().int().positive().default(100),
  /** Stop once the smoothed loss exceeds 4× the best seen. */
  stopDiv: z.boolean().default(true),
});

interface Snapshot {
  weights: { variable: tf.Variable; saved: tf.Tensor }[];
  opt: OptimizerStateDict;
}

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
  create: (o) =>
    definePlugin({
      name: 'lr-finder',
      roles: ['lr-sweep'],
      order: 60,
      runValid: false,
      runAfter: ['recorder'],
      numIt: Math.max(o.numIt, 6),
      sched: schedExp(o.startLr, o.endLr) as Schedule,
      bestLoss: Number.POSITIVE_INFINITY,
      hps: { lr: [] as number[] },
      snapshot: null as Snapshot | null,
      beforeFit(learn) {
        this.hps = { lr: [] };
        this.bestLoss = Number.POSITIVE_INFINITY;
        this.snapshot = takeSnapshot(learn);
      },
      beforeBatch(learn) {
        learn.opt.setHyper('lr', this.sched(learn.trainIter / this.numIt));
      },
      afterBatch(learn) {
        this.hps.lr.push(learn.opt.hypers.at(-1)?.lr ?? Number.NaN);
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
      restore(learn: Learner) {
        if (!this.snapshot) return;
        for (const { variable, saved } of this.snapshot.weights) {
          variable.assign(saved);
          saved.dispose();
        }
        learn.opt.loadStateDict(this.snapshot.opt);
        this.snapshot = null;
      },
    }),
});

/** An in-memory copy of what fastai saves to a temporary file: weights, buffers and optimizer state. */
function takeSnapshot(learn: Learner): Snapshot {
  const variables = [...learn.model.parameters(), ...(learn.model.buffers?.() ?? [])];
  return {
    weights: variables.map((variable) => ({ variable, saved: tf.keep(variable.clone()) })),
    opt: learn.opt.stateDict(),
  };
}
