import path from 'node:path';
import { CancelFitError, STAGE, TapfitError, type LearnerView } from '../../plugin-sdk/index.ts';
import { untapOwner } from '../hooks/hook-set.ts';
import { getProgress } from './progress.ts';
import { LAST_CHECKPOINT, saveCheckpoint } from './save.ts';

/** The exit code of a process stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

export interface InterruptOptions {
  /** The command line that resumes, shown in the message (the CLI passes `resumeCommand(process.argv, dir)`). */
  resumeCommand?: string;
  /** Where the handler's messages go; default stderr. */
  log?: (message: string) => void;
  /** Default `'SIGINT'`. (A string, not `NodeJS.Signals`: an app's type-check needs no @types/node for tapfit.) */
  signal?: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR1' | 'SIGUSR2' | 'SIGBREAK';
}

export interface InterruptHandler {
  /** True once the signal (or `request()`) arrived. */
  readonly interrupted: boolean;
  /** The checkpoint written when the fit stopped, if any yet. */
  readonly checkpoint: string | null;
  /** Acts like the first signal (for front-ends with their own stop button, and tests). */
  request(): void;
  /**
   * Call after the fit returned: removes the handler, and when interrupted makes sure a checkpoint exists,
   * prints how to resume and returns 130 (the caller exits with it); otherwise returns 0.
   */
  finish(): number;
}

/**
 * Ctrl-C during `fit`: the first signal lets the current batch finish, then the fit stops with `CancelFitError`
 * (plugins see `afterCancelFit` and `afterFit` as usual) after writing `<dir>/last.tapfit` with the exact
 * position, so `fit(…, { resume: dir })` continues as if never stopped. A second signal exits at once.
 *
 * Each batch is synchronous, so Node sees the signal when the learner next yields: its batch loop yields to the
 * event loop between batches (at least every 100 ms), and this handler at the start of each epoch and phase.
 *
 * ```ts
 * const stop = installInterruptHandler(learn, 'checkpoints', { resumeCommand: 'tapfit fit --resume checkpoints' });
 * await learn.fitOneCycle(5, 1e-2);
 * const code = stop.finish();
 * if (code) process.exit(code);
 * ```
 */
export function installInterruptHandler(learn: LearnerView, dir: string, options: InterruptOptions = {}): InterruptHandler {
  const file = path.join(dir, LAST_CHECKPOINT);
  const signal = options.signal ?? 'SIGINT';
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const owner = {};
  let interrupted = false;
  let checkpoint: string | null = null;

  const onSignal = () => {
    if (interrupted) process.exit(EXIT_INTERRUPTED); // two signals queued while the loop was busy
    handler.request();
    // With no listener left, the next signal gets Node's default action: the process ends at once,
    // even in the middle of a synchronous batch.
    process.removeListener(signal, onSignal);
  };

  /** The error of the one attempt to write the checkpoint: not retried, so it is the one reported. */
  let saveError: TapfitError | null = null;
  const save = (): string | null => {
    if (checkpoint || saveError) return checkpoint;
    try {
      checkpoint = saveCheckpoint(learn, file);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      saveError = new TapfitError('E_CHECKPOINT', `${signal}: could not write the checkpoint ${file}: ${reason}`, { cause: error });
    }
    return checkpoint;
  };
  const stop = () => {
    if (!save()) throw saveError!;
    throw new CancelFitError('interrupted');
  };
  const tap = { name: 'tapfit:interrupt', owner };
  learn.hooks.afterBatch.tap({ ...tap, stage: STAGE.last }, () => {
    if (interrupted) stop();
  });
  // A signal that arrived during a batch is seen when the loop yields after it: stop before the next one.
  learn.hooks.beforeBatch.tap({ ...tap, stage: STAGE.first }, () => {
    if (interrupted) stop();
  });
  for (const event of ['beforeEpoch', 'beforeTrain', 'beforeValidate'] as const) {
    learn.hooks[event].tapPromise({ ...tap, stage: STAGE.first }, async () => {
      await new Promise<void>((resolve) => setImmediate(resolve)); // let a pending signal in
      if (interrupted) stop();
    });
  }
  process.on(signal, onSignal);

  const handler: InterruptHandler = {
    get interrupted() {
      return interrupted;
    },
    get checkpoint() {
      return checkpoint;
    },
    request() {
      if (interrupted) return;
      interrupted = true;
      log(`tapfit: ${signal} received: finishing the current batch, then saving a checkpoint (press Ctrl-C again to quit at once)`);
    },
    finish() {
      process.removeListener(signal, onSignal);
      untapOwner(learn.hooks, owner);
      if (!interrupted) return 0;
      if (!save()) {
        log(`tapfit: training interrupted; no checkpoint was written: ${saveError!.message}`);
        return EXIT_INTERRUPTED;
      }
      const p = getProgress(learn);
      const where = p.epochsDone >= p.nEpoch ? 'after the last epoch' : `in epoch ${p.epochsDone + 1}/${p.nEpoch}`;
      log(`tapfit: training interrupted ${where}; checkpoint written to ${checkpoint}`);
      log(`tapfit: to continue, run: ${options.resumeCommand ?? `the same fit with --resume ${dir} (or fit(…, { resume: '${dir}' }))`}`);
      return EXIT_INTERRUPTED;
    },
  };
  return handler;
}

/** `argv` as a command line, with any `--resume` replaced by `--resume <dir>` (for the interrupt message). */
export function resumeCommand(argv: readonly string[], dir: string): string {
  const args: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--resume') {
      if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('-')) i++;
    }
    else if (!argv[i].startsWith('--resume=')) args.push(argv[i]);
  }
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return ['tapfit', ...args, '--resume', dir].map(quote).join(' ');
}
