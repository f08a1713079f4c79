import { TapfitError } from './errors.ts';
import type { Learner } from './types.ts';

export interface SaveOptions {
  /** Include the optimizer state (default true); a checkpoint without it cannot be resumed. */
  withOpt?: boolean;
}

export interface LoadOptions {
  /** Restore the optimizer state (default true); refused when the checkpoint has none. */
  withOpt?: boolean;
  /** Restore the model's weights only: no optimizer, plugin, data or progress state (default false). */
  weightsOnly?: boolean;
}

/** The learner's checkpoint methods (`learn.save` / `learn.load`), for plugins such as `save-model`. */
export interface CheckpointMethods {
  /** Writes a checkpoint atomically and returns its path (`.tapfit` is added when `path` has no extension). */
  save(path: string, options?: SaveOptions): Promise<string>;
  /** Validates the whole checkpoint first; on any error the learner is left unchanged. */
  load(path: string, options?: LoadOptions): Promise<void>;
}

/**
 * State a plugin's `stateDict()` may return: JSON values, where numbers may be NaN/±Infinity and typed arrays
 * (`Float32Array`, `Int32Array`, …) are stored as binary. Return tensors as `{ shape, values: Float32Array }`.
 */
export type PluginState = unknown;

/** The learner's `save`/`load`, or an error naming `who` when this learner has none. */
export function checkpointMethods(learn: Learner, who: string): CheckpointMethods {
  const l = learn as Learner & Partial<CheckpointMethods>;
  if (typeof l.save !== 'function' || typeof l.load !== 'function') {
    throw new TapfitError('E_CONFIG', `${who} needs a learner with save()/load() (tapfit's Learner has them)`);
  }
  return { save: l.save.bind(l), load: l.load.bind(l) };
}
