import { z } from 'zod';
import { CancelFitError, definePlugin, definePluginFactory, snapshotWeights, type Learner, type WeightSnapshot } from '../../plugin-sdk/index.ts';

const options = z.object({
  /**
   * Put back the weights from before the step that produced the bad loss. A copy of the weights is taken only
   * when a training loss is already non-finite before its step, so a healthy run pays one scalar read per batch.
   */
  restoreLast: z.boolean().default(false),
});

const isFiniteLoss = (learn: Learner): boolean => !learn.loss || Number.isFinite(learn.loss.dataSync()[0]);

/**
 * fastai's `TerminateOnNaNCallback`: after each batch (training or validation) whose loss is NaN or infinite,
 * it stops the fit with `CancelFitError` (so `afterCancelFit` and `afterFit` run, and no later batch). It runs
 * before the recorder, so the bad loss is never recorded, and leaves a note in the recorder saying where and
 * why training stopped. With `restoreLast`, the weights are those of the last step whose loss was finite.
 *
 * ```ts
 * plugins: [['terminate-on-nan', { restoreLast: true }]]
 * ```
 */
export default definePluginFactory({
  name: 'terminate-on-nan',
  options,
  description: 'stops training when the loss becomes NaN or infinite',
  create: ({ restoreLast }) =>
    definePlugin({
      name: 'terminate-on-nan',
      order: -9,
      runBefore: ['recorder'],
      restoreLast,
      /** Weights and buffers from before the current step, taken only when its loss is already bad. */
      saved: null as WeightSnapshot | null,
      beforeStep(learn) {
        if (this.restoreLast && !isFiniteLoss(learn)) {
          this.dropSaved();
          this.saved = snapshotWeights(learn);
        }
      },
      afterBatch(learn) {
        if (isFiniteLoss(learn)) return;
        const value = learn.loss!.dataSync()[0];
        const phase = learn.training ? 'training' : 'validation';
        let note = `terminate-on-nan: ${phase} loss is ${value} at epoch ${learn.epoch}, batch ${learn.iter}; training stopped`;
        if (this.saved) {
          this.saved.restore(learn);
          note += ', weights restored from before that step';
        }
        this.dropSaved();
        if (learn.recorder) learn.recorder.addNote(note);
        else learn.log(note);
        throw new CancelFitError(note);
      },
      afterFit() {
        this.dropSaved();
      },
      onError() {
        this.dropSaved();
      },
      dropSaved() {
        this.saved?.dispose();
        this.saved = null;
      },
    }),
});
