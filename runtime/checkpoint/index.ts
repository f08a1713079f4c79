/**
 * Checkpoints: one plain safetensors file holds the weights, the optimizer state, every plugin's state, the
 * data loaders' RNG and the fit position; written atomically; loaded only after everything is validated.
 */
export { saveCheckpoint, captureCheckpoint, withCheckpointExt, CHECKPOINT_EXT, LAST_CHECKPOINT } from './save.ts';
export { loadCheckpoint, readCheckpoint, resolveCheckpointFile, restoreCheckpoint, type Checkpoint } from './load.ts';
export { openFitSession, resumeNextFit, type FitSession } from './fit-session.ts';
export { installInterruptHandler, resumeCommand, EXIT_INTERRUPTED, type InterruptHandler, type InterruptOptions } from './interrupt.ts';
export { writeFileAtomic } from './atomic-write.ts';
export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './format.ts';
export { getProgress, type FitProgress } from './progress.ts';
export type { Manifest } from './manifest.ts';
