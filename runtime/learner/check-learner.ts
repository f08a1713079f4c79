import type * as tf from '@tensorflow/tfjs';
import { TapfitError, type DataLoaders, type Learner } from '../../plugin-sdk/index.ts';
import { checkCount, checkLr, checkMoms, checkNonNegative } from '../fit/check-args.ts';

/** `Learner.create`'s numbers and data, checked before anything is built. */
export function checkCreateOptions(options: { lr?: number; wd?: number; moms?: readonly number[]; dls: DataLoaders }, forInference = false): void {
  if (options.lr !== undefined) checkLr('lr', options.lr);
  if (options.wd !== undefined) checkNonNegative('wd', options.wd);
  if (options.moms !== undefined) checkMoms('moms', options.moms);
  // A learner made for inference (loadLearner) has no training set; `fit` still refuses an empty one.
  if (!forInference) checkData(options.dls);
}

/** An empty training set trains nothing: an error, not a silent no-op. */
export function checkData(dls: DataLoaders): void {
  if (!dls?.train || !dls.valid) throw new TapfitError('E_DATA', 'dls: expected DataLoaders with a train and a valid loader');
  if (!(dls.train.length >= 1)) throw new TapfitError('E_DATA', `dls.train: the training set is empty (${dls.train.length} batches)`);
}

/** A model with nothing to train would reach tfjs's "gradients() received an empty list of xs". */
export function checkTrainable(vars: readonly tf.Variable[], what: string): void {
  if (!vars.some((v) => v.trainable)) {
    throw new TapfitError(
      'E_CONFIG',
      `${what}: there are no trainable weights (${vars.length} variables, none trainable)` +
        (vars.length ? '; unfreeze some (learn.opt.unfreeze()) before fitting' : ': the model\'s parameters() returned none'),
    );
  }
}

/** `fit(nEpoch, lr, { wd })`, checked before any hyper-parameter is set. */
export function checkFitArgs(learn: Learner, nEpoch: number, lr: number | readonly number[] | undefined, wd: number | undefined): void {
  checkCount('nEpoch', nEpoch);
  if (typeof lr === 'number') checkLr('lr', lr);
  else lr?.forEach((x, i) => checkLr(`lr[${i}]`, x));
  if (wd !== undefined) checkNonNegative('wd', wd);
  checkData(learn.dls);
  checkTrainable(learn.opt.paramGroups.flat(), 'the optimizer\'s parameter groups');
}

/** A plugin set `learn.lossGrad` to null during the forward pass: there is nothing to differentiate. */
export function lossGradCleared(): TapfitError {
  return new TapfitError(
    'E_CONFIG',
    'learn.lossGrad is null after afterLoss and beforeBackward (a plugin cleared it): there is nothing to differentiate; ' +
      'to skip the backward pass and the step of a batch, throw CancelBackwardError instead',
  );
}
