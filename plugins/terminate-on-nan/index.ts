import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { CancelFitError, CancelStepError, definePlugin, definePluginFactory, type LearnerView } from '../../plugin-sdk/index.ts';

const options = z.object({
  /**
   * Kept so that existing configs load: the bad step is never applied now, so the weights and the optimizer
   * state are always those of the last finite step, with or without this option.
   */
  restoreLast: z.boolean().default(false),
});

/**
 * One number that is finite exactly when every value of `tensors` is: `t·0` is 0 for a finite value and NaN for
 * NaN or ±Infinity, and a sum of zeros cannot overflow (unlike a plain sum of large finite values).
 */
function finiteProbe(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    let acc: tf.Scalar = tf.scalar(0);
    for (const t of tensors) if (t.dtype === 'float32') acc = tf.add(acc, tf.sum(tf.mul(t, 0)));
    return acc;
  });
}

function allFinite(tensors: readonly tf.Tensor[]): boolean {
  const probe = finiteProbe(tensors);
  const ok = Number.isFinite(probe.dataSync()[0]);
  probe.dispose();
  return ok;
}

/** What was not finite in a training batch (read only once it is known to be bad). */
function diagnose(learn: LearnerView): string {
  const loss = learn.loss ? learn.loss.dataSync()[0] : 0;
  if (!Number.isFinite(loss)) return `training loss is ${loss}`;
  if (!allFinite(learn.xb)) return `training input batch holds non-finite values (loss ${loss})`;
  const bad = Object.entries(learn.grads ?? {}).find(([, g]) => !allFinite([g]));
  return `training gradient of "${bad?.[0] ?? '?'}" is not finite (loss ${loss})`;
}

/**
 * fastai's `TerminateOnNaNCallback`, made to leave a usable model: before each training step it checks, on the
 * device, that the loss, the gradients and the input batch are all finite (one scalar read per batch, as
 * fastai's own loss check costs). A bad step is skipped (`CancelStepError`), so the weights and the optimizer
 * state stay those of the last finite step, and the fit stops with `CancelFitError` after that batch (so
 * `afterCancelFit` and `afterFit` run, and no later batch). A non-finite validation loss stops the fit too. It
 * runs before the recorder, so the bad loss is never recorded, and leaves a note saying where and why.
 *
 * ```ts
 * plugins: ['terminate-on-nan']
 * ```
 */
export default definePluginFactory({
  name: 'terminate-on-nan',
  options,
  description: 'skips a step with a NaN or infinite loss, gradient or input, and stops training',
  create: ({ restoreLast }) =>
    definePlugin({
      name: 'terminate-on-nan',
      order: -9,
      runBefore: ['recorder'],
      restoreLast,
      /** Why the current training batch's step was skipped. */
      bad: null as string | null,
      beforeBatch() {
        this.bad = null;
      },
      beforeStep(learn) {
        if (!learn.training || !learn.grads) return;
        const tensors = [...(learn.loss ? [learn.loss] : []), ...Object.values(learn.grads), ...learn.xb];
        if (allFinite(tensors)) return;
        this.bad = diagnose(learn);
        throw new CancelStepError(this.bad);
      },
      afterBatch(learn) {
        let what = this.bad;
        if (!what && !learn.training && learn.loss) {
          const value = learn.loss.dataSync()[0];
          if (!Number.isFinite(value)) what = `validation loss is ${value}`;
        }
        if (!what) return;
        this.bad = null;
        let note = `terminate-on-nan: ${what} at epoch ${learn.epoch}, batch ${learn.iter}; training stopped`;
        if (learn.training) note += '; that step was not applied: the weights and optimizer state are those of the last finite step';
        if (learn.recorder) learn.recorder.addNote(note);
        else learn.log(note);
        throw new CancelFitError(note);
      },
    }),
});
