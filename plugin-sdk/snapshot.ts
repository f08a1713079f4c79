import type * as TfTypes from '@tensorflow/tfjs';
import { TapfitError } from './errors.ts';
import type { OptimizerStateDict } from './optimizer.ts';
import { tensorData, tensorFromData, type TensorData } from './tensor-data.ts';
import { tf } from './tf.ts';
import type { Learner } from './types.ts';

/** The model's weights and buffers (batch-norm statistics, …), parameters first, in the model's stable order. */
export function modelVariables(learn: Pick<Learner, 'model'>): TfTypes.Variable[] {
  return [...learn.model.parameters(), ...(learn.model.buffers?.() ?? [])];
}

/**
 * A copy of a model's weights and buffers (and, if asked, its optimizer state), to put back later: what fastai
 * writes to a temporary file before an LR sweep, or keeps for the best epoch. Tensors are kept out of any
 * `tf.tidy`; `dispose()` releases them.
 */
export interface WeightSnapshot {
  /** The copies, in {@link modelVariables} order. */
  readonly tensors: readonly TfTypes.Tensor[];
  /** The optimizer's state dict (hypers included), when taken with `{ optimizer: true }`. */
  readonly opt?: OptimizerStateDict;
  /** Assigns the copies to the learner's variables, by position (and loads the optimizer state, if taken). */
  restore(learn: Pick<Learner, 'model' | 'opt'>): void;
  dispose(): void;
  /** The copies as plain data, for a plugin's `stateDict()`. */
  toData(): TensorData[];
}

function snapshotOf(tensors: readonly TfTypes.Tensor[], opt?: OptimizerStateDict): WeightSnapshot {
  return {
    tensors,
    opt,
    restore(learn) {
      const vars = modelVariables(learn);
      if (vars.length !== tensors.length) {
        throw new TapfitError('E_CHECKPOINT', `weight snapshot: the model has ${vars.length} weights and buffers, the snapshot ${tensors.length}`);
      }
      tensors.forEach((t, i) => vars[i].assign(t));
      if (opt) learn.opt.loadStateDict(opt);
    },
    dispose() {
      tf.dispose([...tensors]);
    },
    toData() {
      return tensors.map(tensorData);
    },
  };
}

/** Copies the learner's weights and buffers now; with `optimizer: true`, its optimizer state as well. */
export function snapshotWeights(learn: Pick<Learner, 'model' | 'opt'>, options: { optimizer?: boolean } = {}): WeightSnapshot {
  const tensors = modelVariables(learn).map((v) => tf.keep(tf.clone(v)));
  return snapshotOf(tensors, options.optimizer ? learn.opt.stateDict() : undefined);
}

/** A snapshot from data saved by {@link WeightSnapshot.toData} (a plugin's `loadStateDict`). */
export function snapshotFromData(data: readonly TensorData[]): WeightSnapshot {
  return snapshotOf(data.map((d) => tf.keep(tensorFromData(d))));
}
