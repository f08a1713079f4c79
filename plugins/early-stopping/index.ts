import { z } from 'zod';
import {
  CancelFitError,
  definePlugin,
  definePluginFactory,
  PatienceTracker,
  pyRepr,
  snapshotFromData,
  snapshotWeights,
  trackerOptionsShape,
  type PatienceState,
  type TensorData,
  type WeightSnapshot,
} from '../../plugin-sdk/index.ts';

const options = z.object({
  ...trackerOptionsShape,
  /** Epochs without improvement before stopping. */
  patience: z.number().int().min(1).default(1),
  /** Keep a copy of the weights of the best epoch and put them back in the model when the fit ends. */
  restoreBest: z.boolean().default(false),
});

interface EarlyStoppingState extends PatienceState {
  bestEpoch: number | null;
  bestWeights: TensorData[] | null;
}

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
    const tracker = new PatienceTracker('early-stopping', o);
    let bestEpoch: number | null = null;
    let bestWeights: WeightSnapshot | null = null;
    const dropBest = () => {
      bestWeights?.dispose();
      bestWeights = null;
    };
    return definePlugin({
      name: 'early-stopping',
      order: 63,
      runAfter: ['recorder'],
      tracker,
      get wait() {
        return tracker.wait;
      },
      beforeFit(learn) {
        if (tracker.beforeFit(learn)) return;
        if (tracker.resetOnFit) {
          dropBest();
          bestEpoch = null;
        }
      },
      afterEpoch(learn) {
        if (!tracker.active) return;
        const step = tracker.step(learn);
        if (step === 'improved') {
          bestEpoch = learn.epoch;
          if (o.restoreBest) {
            dropBest();
            bestWeights = snapshotWeights(learn);
          }
        } else if (step === 'exhausted') {
          learn.log(`No improvement since epoch ${learn.epoch - tracker.wait}: early stopping`);
          throw new CancelFitError('early stopping');
        }
      },
      afterFit(learn) {
        if (tracker.active && o.restoreBest && bestWeights) {
          bestWeights.restore(learn);
          learn.log(`Restored the weights of epoch ${bestEpoch} (${tracker.monitor}: ${pyRepr(tracker.best ?? Number.NaN)})`);
        }
        dropBest();
        tracker.afterFit();
      },
      onError() {
        dropBest();
      },
      stateDict(): EarlyStoppingState {
        return { ...tracker.patienceState(), bestEpoch, bestWeights: bestWeights?.toData() ?? null };
      },
      loadStateDict(state: unknown) {
        const s = state as Partial<EarlyStoppingState> | null;
        tracker.loadPatienceState(s);
        bestEpoch = s?.bestEpoch ?? null;
        dropBest();
        bestWeights = s?.bestWeights ? snapshotFromData(s.bestWeights) : null;
      },
    });
  },
});
