import { STAGE, TapfitError, type Batch, type DataLoader, type LearnerView } from '../../plugin-sdk/index.ts';
import { checkCompatible } from './compat.ts';
import { checkOptimizer, readCheckpoint, restoreCheckpoint, type Checkpoint } from './load.ts';
import { getProgress } from './progress.ts';

/**
 * A loader that drops its first `skip` batches (disposing them) while keeping its length, to finish an epoch.
 * With `skip` ≥ its length it still runs through the loader when `replay` (the loader was put back to the
 * epoch's start), so that whatever the pass draws (a shuffled order) is drawn as in the original epoch;
 * without `replay` (the loader's state is already past this epoch's draw) it yields nothing.
 */
function skipFirst(dl: DataLoader, skip: number, replay: boolean): DataLoader {
  return {
    length: dl.length,
    batchSize: dl.batchSize,
    *[Symbol.iterator](): Iterator<Batch> {
      if (skip >= dl.length && !replay) return;
      let i = 0;
      for (const batch of dl) {
        if (i++ < skip) for (const t of batch) t.dispose();
        else yield batch;
      }
    },
  };
}

export interface ResumePlan {
  checkpoint: Checkpoint;
  /** The first epoch the resumed fit runs. */
  startEpoch: number;
}

/**
 * Resuming a fit: validate the whole checkpoint, then restore the weights, plugin states and data RNG before the
 * fit starts, so the plugins' `beforeFit` sees their loaded state (a plugin continues rather than resets after
 * `loadStateDict`, as the recorder does); after `beforeFit` (which resets the counters) put the counters and the
 * optimizer state back (after, because plugins like one-cycle read the fit's lr from the hypers in `beforeFit`).
 * The fit then starts at the first epoch not done. An epoch interrupted midway is finished: its batch order is
 * replayed from the loader's saved state and the batches already trained are skipped (disposed unseen), with
 * `pctTrain` continuing where it stopped; only `learn.iter` counts the remaining batches from 0.
 */
export function startResume(learn: LearnerView, from: string, nEpoch: number, owner: object): ResumePlan {
  const checkpoint = readCheckpoint(from);
  const p = checkpoint.manifest.progress;
  if (p.nEpoch !== nEpoch) {
    learn.log(`tapfit: resuming a fit of ${p.nEpoch} epochs as a fit of ${nEpoch}: schedules will not match the original run`);
  }
  // Once an epoch's training phase has started, the loader has drawn that epoch's order: replay it from the start.
  const trainStarted = !p.trainDone && p.trainEpochStart !== undefined;
  if (trainStarted) checkpoint.manifest.data.train = p.trainEpochStart;
  // The optimizer state is put back later (in beforeFit): check that it fits now, before anything changes.
  checkCompatible(learn, checkpoint.file, checkpoint.manifest, checkpoint.tensors, 'all');
  const optimizerState = checkOptimizer(checkpoint, learn);
  restoreCheckpoint(learn, checkpoint, { withOpt: false });
  const counters = { trainIter: p.trainIter, smoothLoss: p.smoothLoss };
  // `beforeFit` resets a stateful model (and model-resetter does at each phase): the saved state goes back after.
  const modelState = checkpoint.manifest.model.state;
  const restoreModelState = () => {
    if (modelState !== undefined) learn.model.loadStateDict?.(modelState);
  };
  const tap = { name: 'tapfit:resume', stage: STAGE.last, owner };
  learn.hooks.beforeFit.tap(tap, () => {
    Object.assign(learn, counters);
    restoreModelState();
    // The optimizer last: plugins such as one-cycle read the fit's lr from the hypers in their beforeFit.
    try {
      learn.opt.loadStateDict(optimizerState);
    } catch (error) {
      throw new TapfitError('E_CHECKPOINT', `checkpoint ${checkpoint.file}: restoring the optimizer state failed: ${(error as Error).message}`, { cause: error });
    }
  });
  const midEpoch = p.trainDone || p.trainBatchesDone > 0;
  if (midEpoch) {
    let pending = true;
    learn.hooks.beforeTrain.tap(tap, () => {
      if (!pending || learn.epoch !== p.epochsDone) return;
      pending = false;
      const skip = p.trainDone ? learn.dls.train.length : p.trainBatchesDone;
      learn.dl = skipFirst(learn.dls.train, skip, trainStarted);
      learn.pctTrain = p.pctTrain;
      getProgress(learn).trainBatchesDone = skip;
      restoreModelState();
    });
  }
  learn.log(
    `tapfit: resuming from ${checkpoint.file} at epoch ${p.epochsDone}` +
      (midEpoch ? (p.trainDone ? ' (validation)' : ` (after training batch ${p.trainBatchesDone})`) : ''),
  );
  return { checkpoint, startEpoch: p.epochsDone };
}
