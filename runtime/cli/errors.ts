import { CommanderError } from 'commander';
import { TapfitError } from '../../plugin-sdk/index.ts';
import { ConfigError } from '../config/errors.ts';

export const EXIT_OK = 0;
export const EXIT_TRAINING = 1;
export const EXIT_USAGE = 2;

/** A bad command line (an option value, a flag that does not fit the config). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Training started and failed; `cause` is what the loop or a plugin threw. */
export class TrainingError extends Error {
  override name = 'TrainingError';
}

/**
 * What an error means for the exit code and what to print: usage and config problems exit 2, a failed
 * training run exits 1. Stacks are printed only with `--debug`; every message says what went wrong where.
 */
export function describeFailure(error: unknown, debug: boolean): { code: number; message: string } {
  if (error instanceof CommanderError) {
    // commander has already printed its message through configureOutput.
    const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
    return { code: ok ? EXIT_OK : EXIT_USAGE, message: '' };
  }
  const stack = (e: unknown) => (debug && e instanceof Error && e.stack ? `\n${e.stack}` : '');
  if (error instanceof ConfigError) return { code: EXIT_USAGE, message: `tapfit: invalid config\n${error.message}${stack(error.cause ?? error)}` };
  if (error instanceof UsageError) return { code: EXIT_USAGE, message: `tapfit: ${error.message}${stack(error)}` };
  if (error instanceof TrainingError) {
    const cause = error.cause;
    const code = cause instanceof TapfitError ? ` [${cause.code}]` : '';
    return { code: EXIT_TRAINING, message: `tapfit: ${error.message}${code}: ${cause instanceof Error ? cause.message : String(cause)}${stack(cause)}` };
  }
  if (error instanceof TapfitError) return { code: EXIT_USAGE, message: `tapfit: ${error.message} [${error.code}]${stack(error)}` };
  const message = error instanceof Error ? error.message : String(error);
  return { code: EXIT_TRAINING, message: `tapfit: unexpected error: ${message}${debug ? stack(error) : ' (run with --debug for the stack)'}` };
}
