import { z } from 'zod';
import { definePlugin, definePluginFactory, PatienceTracker, pyRepr, trackerOptionsShape, type PatienceState } from '../../plugin-sdk/index.ts';

const options = z.object({
  ...trackerOptionsShape,
  /** Epochs without improvement before the learning rate is divided. */
  patience: z.number().int().min(1).default(1),
  /** The learning rate of every group is divided by this. */
  factor: z.number().gt(0).default(10),
  /** No group's learning rate goes below this. */
  minLr: z.number().min(0).default(0),
});

/**
 * fastai's `ReduceLROnPlateau`: after `patience` epochs without an improvement of the monitored value larger
 * than `minDelta`, divides every group's learning rate by `factor` (not below `minLr`) and prints
 * `Epoch N: reducing lr to X` when the last group's rate dropped. A schedule that sets `lr` every batch
 * (fitOneCycle) overrides it, as in fastai.
 *
 * ```ts
 * await learn.fit(10, 1e-2, { plugins: [['reduce-lr-on-plateau', { patience: 2, factor: 10, minLr: 1e-6 }]] });
 * ```
 */
export default definePluginFactory({
  name: 'reduce-lr-on-plateau',
  options,
  description: 'divides the learning rate when the monitored metric stops improving',
  create: (o) => {
    const tracker = new PatienceTracker('reduce-lr-on-plateau', o);
    return definePlugin({
      name: 'reduce-lr-on-plateau',
      order: 62,
      runAfter: ['recorder'],
      tracker,
      get wait() {
        return tracker.wait;
      },
      beforeFit(learn) {
        tracker.beforeFit(learn);
      },
      afterEpoch(learn) {
        if (!tracker.active || tracker.step(learn) !== 'exhausted') return;
        const before = learn.opt.hypers.at(-1)!.lr;
        learn.opt.setHyper('lr', learn.opt.hypers.map((h) => Math.max(h.lr / o.factor, o.minLr)));
        tracker.wait = 0;
        const now = learn.opt.hypers.at(-1)!.lr;
        if (now < before) learn.log(`Epoch ${learn.epoch}: reducing lr to ${pyRepr(now)}`);
      },
      afterFit() {
        tracker.afterFit();
      },
      stateDict(): PatienceState {
        return tracker.patienceState();
      },
      loadStateDict(state: unknown) {
        tracker.loadPatienceState(state);
      },
    });
  },
});
