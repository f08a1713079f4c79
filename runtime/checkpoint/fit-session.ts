import type { Learner } from '../../plugin-sdk/index.ts';
import { untapOwner } from '../hooks/hook-set.ts';
import { trackProgress } from './progress.ts';
import { startResume } from './resume.ts';

export interface FitSession {
  /** The first epoch to run (0, or the first epoch not done when resuming). */
  readonly startEpoch: number;
  /** Removes the session's taps. */
  close(): void;
}

const pendingResume = new WeakMap<Learner, string>();

/**
 * Makes the learner's next fit resume from `from` (a checkpoint file or folder), as if `resume: from` were passed
 * to it. For front-ends that start the fit through layers that do not pass fit options along (a config's fit
 * method, `tapfit fit --resume`).
 */
export function resumeNextFit(learn: Learner, from: string): void {
  pendingResume.set(learn, from);
}

/**
 * What `learn.fit` sets up for checkpoints: progress tracking (so any checkpoint knows where the fit stands) and,
 * with `resume`, the restored state. Call after the fit's hypers are set and before `beforeFit`.
 */
export function openFitSession(learn: Learner, nEpoch: number, options: { resume?: string } = {}): FitSession {
  const owner = {};
  const resume = options.resume ?? pendingResume.get(learn);
  pendingResume.delete(learn);
  try {
    trackProgress(learn, owner);
    const plan = resume ? startResume(learn, resume, nEpoch, owner) : undefined;
    return { startEpoch: plan?.startEpoch ?? 0, close: () => untapOwner(learn.hooks, owner) };
  } catch (error) {
    untapOwner(learn.hooks, owner);
    throw error;
  }
}
