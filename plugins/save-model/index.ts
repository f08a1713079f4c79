import path from 'node:path';
import { z } from 'zod';
import {
  checkpointMethods,
  definePlugin,
  definePluginFactory,
  escapesFolder,
  INSIDE_FOLDER,
  NAME_INSIDE_FOLDER,
  pyRepr,
  STAGE,
  TapfitError,
  Tracker,
  trackerOptionsShape,
  type TrackerState,
} from '../../plugin-sdk/index.ts';

const options = z.object({
  ...trackerOptionsShape,
  /**
   * `'epoch'`: after every epoch, write `<dir>/last.tapfit`, the checkpoint `fit(…, { resume: dir })` continues
   * from. `'improvement'`: when the monitored value improves, write `<dir>/best.tapfit`, and load its weights
   * when the fit ends (fastai's default).
   */
  every: z.enum(['epoch', 'improvement']).default('epoch'),
  /** The checkpoint folder, relative to `learn.baseDir` (the config's folder under the CLI, else the working folder). */
  dir: z.string().min(1).refine((v) => !escapesFolder(v), { error: INSIDE_FOLDER }).default('models'),
  /** The file name (without extension) inside `dir`; default `last` or `best`. */
  fname: z.string().min(1).refine((v) => !escapesFolder(v, { allowAbsolute: false }), { error: NAME_INSIDE_FOLDER }).optional(),
  /** With `every: 'improvement'`: load the best weights at the end of the fit. */
  restoreBest: z.boolean().default(true),
});

interface SaveModelState {
  tracker: TrackerState;
  savedBest: boolean;
}

/**
 * fastai's `SaveModelCallback`, writing complete tapfit checkpoints (weights, optimizer, plugin states, data
 * RNG, position), atomically, so an interrupted run leaves its last good checkpoint intact.
 *
 * With `every: 'epoch'` the checkpoint is written after every other plugin's `afterEpoch` (a late tap), so it
 * holds the state at the very end of the epoch, and a run killed later resumes bit-identically:
 *
 * ```ts
 * await learn.fitOneCycle(10, 1e-2, { plugins: [['save-model', { every: 'epoch', dir: 'checkpoints' }]] });
 * // after a crash, with the same setup:
 * await learn.fitOneCycle(10, 1e-2, { plugins: [['save-model', { every: 'epoch', dir: 'checkpoints' }]], resume: 'checkpoints' });
 * ```
 *
 * With `every: 'improvement'` it prints `Better model found at epoch N with valid_loss value: X.` and keeps the
 * best epoch in `best.tapfit`.
 */
export default definePluginFactory({
  name: 'save-model',
  options,
  description: 'writes checkpoints every epoch or on improvement (atomic; resumable)',
  create: (o) => {
    const tracker = new Tracker('save-model', o);
    const file = path.join(o.dir, o.fname ?? (o.every === 'epoch' ? 'last' : 'best'));
    let savedBest = false;
    return definePlugin({
      name: 'save-model',
      roles: ['checkpoints'],
      order: 61,
      runAfter: ['recorder'],
      tracker,
      /** The checkpoint this plugin writes (with its `.tapfit` extension), relative to `learn.baseDir`. */
      file: `${file}.tapfit`,
      /** The same, as the `checkpoints` role's {@link CheckpointProvider}: a front-end resumes from its folder. */
      checkpointFile: `${file}.tapfit`,
      apply(learn) {
        if (o.every !== 'epoch') return;
        learn.hooks.afterEpoch.tapPromise({ name: 'save-model', stage: STAGE.last }, async (l) => {
          if (l.sweeping) return; // an LR finder run is not training: keep the last real checkpoint
          await checkpointMethods(l, 'save-model').save(path.resolve(l.baseDir, file));
        });
      },
      beforeFit(learn) {
        if (o.every !== 'improvement') return;
        if (!tracker.beforeFit(learn)) savedBest = false;
      },
      async afterEpoch(learn) {
        if (o.every !== 'improvement' || !tracker.active || !tracker.update(learn)) return;
        learn.log(`Better model found at epoch ${learn.epoch} with ${tracker.monitor} value: ${pyRepr(tracker.best!)}.`);
        await checkpointMethods(learn, 'save-model').save(path.resolve(learn.baseDir, file));
        savedBest = true;
      },
      async afterFit(learn) {
        if (o.every === 'improvement' && tracker.active && o.restoreBest && savedBest) {
          await checkpointMethods(learn, 'save-model').load(path.resolve(learn.baseDir, file), { weightsOnly: true });
        }
        tracker.afterFit();
      },
      stateDict(): SaveModelState {
        return { tracker: tracker.stateDict(), savedBest };
      },
      loadStateDict(state: unknown) {
        const s = state as Partial<SaveModelState> | null;
        if (typeof s?.savedBest !== 'boolean') throw new TapfitError('E_CHECKPOINT', 'save-model: the saved state lacks "savedBest"');
        tracker.loadStateDict(s.tracker);
        savedBest = s.savedBest;
      },
    });
  },
});
