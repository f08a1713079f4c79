import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  CancelFitError,
  definePlugin,
  definePluginFactory,
  pyRepr,
  TapfitError,
  Tracker,
  trackerOptionsShape,
  type Learner,
  type TrackerState,
} from '../../plugin-sdk/index.ts';

const options = z.object({
  ...trackerOptionsShape,
  /** Epochs without improvement before stopping. */
  patience: z.number().int().min(1).default(1),
  /** Keep a copy of the weights of the best epoch and put them back in the model when the fit ends. */
  restoreBest: z.boolean().default(false),
});

interface SavedTensor {
  shape: number[];
  values: Float32Array | Int32Array;
}

interface EarlyStoppingState {
  tracker: TrackerState;
  wait: number;
  bestEpoch: number | null;
  bestWeights: SavedTensor[] | null;
}

/** The model's weights and buffers, in a stable order. */
const modelVariables = (learn: Learner) => [...learn.model.parameters(), ...(learn.model.buffers?.() ?? [])];

/**
 * fastai's `EarlyStoppingCallback`: after each epoch, compares the monitored value (default `valid_loss`) with
 * the best so far; after `patience` epochs without an improvement larger than `minDelta` it prints
 * `No improvement since epoch N: early stopping` and stops the fit (`CancelFitError`, so `afterFit` runs).
 * With `restoreBest`, the model ends the fit with the weights of its best epoch.
 *
 * ```ts
 * await learn.fit(20, 1e-3, { plugins: [['early-stopping', { monitor: 'valid_loss', minDelta: 0.01, patience: 3, restoreBest: true }]] });
 * ```
 */
export default definePluginFactory({
  name: 'early-stopping',
  options,
  description: 'stops training when the monitored metric stops improving',
  create: (o) => {
    const tracker = new Tracker('early-stopping', o);
    let wait = 0;
    let bestEpoch: number | null = null;
    let bestWeights: tf.Tensor[] | null = null;
    const dropBest = () => {
      for (const t of bestWeights ?? []) t.dispose();
      bestWeights = null;
    };
    return definePlugin({
      name: 'early-stopping',
      order: 63,
      runAfter: ['recorder'],
      tracker,
      get wait() {
        return wait;
      },
      beforeFit(learn) {
        if (tracker.beforeFit(learn)) return;
        wait = 0;
        if (tracker.resetOnFit) {
          dropBest();
          bestEpoch = null;
        }
      },
      afterEpoch(learn) {
        if (!tracker.active) return;
        if (tracker.update(learn)) {
          wait = 0;
          bestEpoch = learn.epoch;
          if (o.restoreBest) {
            dropBest();
            bestWeights = modelVariables(learn).map((v) => tf.clone(v));
          }
          return;
        }
        wait += 1;
        if (wait >= o.patience) {
          learn.log(`No improvement since epoch ${learn.epoch - wait}: early stopping`);
          throw new CancelFitError('early stopping');
        }
      },
      afterFit(learn) {
        if (tracker.active && o.restoreBest && bestWeights) {
          const vars = modelVariables(learn);
          bestWeights.forEach((t, i) => vars[i].assign(t));
          learn.log(`Restored the weights of epoch ${bestEpoch} (${tracker.monitor}: ${pyRepr(tracker.best ?? Number.NaN)})`);
        }
        dropBest();
        tracker.afterFit();
      },
      onError() {
        dropBest();
      },
      stateDict(): EarlyStoppingState {
        return {
          tracker: tracker.stateDict(),
          wait,
          bestEpoch,
          bestWeights: bestWeights?.map((t) => ({ shape: [...t.shape], values: (t.dataSync() as Float32Array | Int32Array).slice() })) ?? null,
        };
      },
      loadStateDict(state: unknown) {
        const s = state as Partial<EarlyStoppingState> | null;
        if (typeof s?.wait !== 'number') throw new TapfitError('E_CHECKPOINT', 'early-stopping: the saved state lacks "wait"');
        tracker.loadStateDict(s.tracker);
        wait = s.wait;
        bestEpoch = s.bestEpoch ?? null;
        dropBest();
        bestWeights = s.bestWeights?.map((w) => tf.tensor(w.values, w.shape, w.values instanceof Int32Array ? 'int32' : 'float32')) ?? null;
      },
    });
  },
});
