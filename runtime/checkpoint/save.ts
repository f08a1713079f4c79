import type * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TapfitError, type LearnerView, type SaveOptions } from '../../plugin-sdk/index.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { encodeCheckpoint, StateEncoder, type StoredTensor, type TypedArray } from './format.ts';
import { describeSetup } from './compat.ts';
import type { Manifest, WeightEntry } from './manifest.ts';
import { getProgress, modelStateToResume, type FitProgress } from './progress.ts';

const { version } = createRequire(import.meta.url)('tapfit/package.json') as { version: string };

/** The extension `learn.save` adds to a path that has none. */
export const CHECKPOINT_EXT = '.tapfit';

/** The file `save-model` (every epoch) and the interrupt handler keep up to date in a checkpoint folder. */
export const LAST_CHECKPOINT = `last${CHECKPOINT_EXT}`;

export function withCheckpointExt(file: string): string {
  return path.extname(file) ? file : file + CHECKPOINT_EXT;
}

function weightEntries(prefix: string, vars: readonly tf.Variable[], tensors: Map<string, StoredTensor>): WeightEntry[] {
  return vars.map((v, i) => {
    const tensor = `${prefix}.${i}`;
    if (v.dtype !== 'float32' && v.dtype !== 'int32') {
      throw new TapfitError('E_CHECKPOINT', `cannot save model variable "${v.name}": dtype ${v.dtype} is not supported`);
    }
    tensors.set(tensor, { shape: [...v.shape], data: (v.dataSync() as TypedArray).slice() });
    return { tensor, name: v.name, dtype: v.dtype };
  });
}

/** Calls `fn`, naming `what` in the checkpoint error it throws. */
function capture<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof TapfitError && error.code === 'E_CHECKPOINT') throw error;
    throw new TapfitError('E_CHECKPOINT', `cannot save a checkpoint: ${what} failed: ${(error as Error)?.message ?? error}`, { cause: error });
  }
}

/**
 * The complete state of a learner as checkpoint bytes: weights and buffers, optimizer state, every plugin's
 * `stateDict()`, the data loaders' RNG, and the fit position (`progress`, default: where the learner is now).
 */
export function captureCheckpoint(learn: LearnerView, options: SaveOptions & { progress?: Partial<FitProgress> } = {}): Uint8Array {
  const tensors = new Map<string, StoredTensor>();
  const model = {
    parameters: weightEntries('model.parameters', learn.model.parameters(), tensors),
    buffers: weightEntries('model.buffers', learn.model.buffers?.() ?? [], tensors),
    state: capture('the model stateDict()', () => modelStateToResume(learn)),
  };
  const plugins: Record<string, unknown> = {};
  for (const p of learn.plugins) {
    if (typeof p.stateDict === 'function') plugins[p.name] = capture(`plugin "${p.name}" stateDict()`, () => p.stateDict!());
  }
  const manifest: Manifest = {
    createdBy: `tapfit ${version}`,
    savedAt: new Date().toISOString(),
    backend: learn.backend,
    model,
    setup: describeSetup(learn),
    optimizer: options.withOpt === false ? undefined : capture('the optimizer stateDict()', () => learn.opt.stateDict()),
    plugins,
    data: {
      train: capture('the train data loader stateDict()', () => learn.dls.train.stateDict?.()),
      valid: capture('the valid data loader stateDict()', () => learn.dls.valid.stateDict?.()),
    },
    progress: {
      ...getProgress(learn),
      ...options.progress,
      epoch: learn.epoch,
      trainIter: learn.trainIter,
      pctTrain: learn.pctTrain,
      smoothLoss: learn.smoothLoss,
    },
  };
  const encoded = new StateEncoder(tensors).encode(manifest, 'manifest') as object;
  return encodeCheckpoint(encoded, tensors);
}

/** `learn.save(path)`: captures everything, then writes it atomically. Returns the written path. */
export function saveCheckpoint(learn: LearnerView, file: string, options: SaveOptions = {}): string {
  const target = withCheckpointExt(file);
  const bytes = captureCheckpoint(learn, options);
  writeFileAtomic(target, bytes);
  return target;
}
