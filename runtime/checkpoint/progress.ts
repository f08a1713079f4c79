import { STAGE, type LearnerView } from '../../plugin-sdk/index.ts';

/**
 * Where a fit stands, at a granularity a checkpoint can resume from exactly: how many epochs are complete,
 * and within the next one how many training batches ran (or whether its training phase is over).
 */
export interface FitProgress {
  nEpoch: number;
  /** Epochs whose batches and `afterEpoch` ran (the resumed fit starts at this epoch). */
  epochsDone: number;
  /** Training batches finished in epoch `epochsDone` (when it was interrupted mid-way). */
  trainBatchesDone: number;
  /** Whether the training phase of epoch `epochsDone` is over (interrupted during validation). */
  trainDone: boolean;
  /** The train loader's state when epoch `epochsDone` started drawing batches (to replay its order). */
  trainEpochStart: unknown;
}

const progressOf = new WeakMap<LearnerView, FitProgress>();
/** The model's `stateDict()` when the current epoch's training ended (what a resumed validation starts from). */
const modelAtTrainEnd = new WeakMap<LearnerView, unknown>();

/**
 * The model state (RNN hidden state, dropout counter) at the point a resume continues from: now, except during
 * validation, which a resume runs again from its start, so the state when training ended.
 */
export function modelStateToResume(learn: LearnerView): unknown {
  if (typeof learn.model.stateDict !== 'function') return undefined;
  const p = getProgress(learn);
  return p.trainDone && modelAtTrainEnd.has(learn) ? modelAtTrainEnd.get(learn) : learn.model.stateDict();
}

export function getProgress(learn: LearnerView): FitProgress {
  let p = progressOf.get(learn);
  if (!p) {
    p = { nEpoch: learn.nEpoch, epochsDone: 0, trainBatchesDone: 0, trainDone: false, trainEpochStart: undefined };
    progressOf.set(learn, p);
  }
  return p;
}

export function setProgress(learn: LearnerView, progress: FitProgress): void {
  progressOf.set(learn, { ...progress });
}


/** Taps that keep `getProgress(learn)` current during a fit; removed with the other taps of `owner`. */
export function trackProgress(learn: LearnerView, owner: object): void {
  // Early in every event (before the plugins), so a checkpoint taken by a plugin sees the up-to-date position.
  const tap = { name: 'tapfit:progress', stage: STAGE.first, owner };
  const p = () => getProgress(learn);
  learn.hooks.beforeFit.tap(tap, () => {
    setProgress(learn, { nEpoch: learn.nEpoch, epochsDone: 0, trainBatchesDone: 0, trainDone: false, trainEpochStart: undefined });
  });
  learn.hooks.beforeEpoch.tap(tap, () => {
    Object.assign(p(), { epochsDone: learn.epoch, trainBatchesDone: 0, trainDone: false, trainEpochStart: undefined });
  });
  learn.hooks.beforeTrain.tap(tap, () => {
    p().trainEpochStart = learn.dls.train.stateDict?.();
  });
  learn.hooks.afterBatch.tap(tap, () => {
    if (learn.training) p().trainBatchesDone += 1;
  });
  learn.hooks.afterTrain.tap(tap, () => {
    p().trainDone = true;
    if (typeof learn.model.stateDict === 'function') modelAtTrainEnd.set(learn, learn.model.stateDict());
  });
  learn.hooks.afterEpoch.tap(tap, () => {
    Object.assign(p(), { epochsDone: learn.epoch + 1, trainBatchesDone: 0, trainDone: false, trainEpochStart: undefined });
  });
}
