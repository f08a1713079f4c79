import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { learnerFromConfig } from '../../config/build.ts';
import { displayPath } from '../../config/errors.ts';
import { runFit } from '../../config/run-fit.ts';
import { installInterruptHandler, resumeCommand, resumeNextFit } from '../../checkpoint/index.ts';
import type { Plugin } from '../../../plugin-sdk/index.ts';
import type { Learner } from '../../learner/learner.ts';
import { EXIT_OK, TrainingError, UsageError } from '../errors.ts';
import type { CliIO } from '../io.ts';
import { loadForCli, outputDir } from '../session.ts';

export interface FitFlags {
  config?: string;
  epochs?: number;
  lr?: number;
  output?: string;
  quiet?: boolean;
  /** `--resume` (the checkpoint folder) or `--resume <dir>`. */
  resume?: boolean | string;
  /** With `resume`: load only the weights, then train a new fit. */
  weightsOnly?: boolean;
}

/** What the recorder saw, as JSON: enough to plot or compare runs later. */
function history(learn: Learner): unknown {
  const r = learn.recorder;
  if (!r) return null;
  return { metricNames: r.metricNames, values: r.values, iters: r.iters, losses: r.losses, lrs: r.lrs, hps: r.hps, notes: r.notes };
}

/** `tapfit fit`: build the learner from the config, train, write `history.json`. */
export async function fitCommand(flags: FitFlags, io: CliIO): Promise<number> {
  const loaded = await loadForCli(flags, io);
  const quiet = Boolean(flags.quiet);
  const learn = await learnerFromConfig(loaded, { extraPlugins: quiet ? [] : ['progress'], quiet, logger: io.stdout });
  const fit = loaded.config.fit;
  const out = outputDir(loaded, flags.output, io);
  // Checkpoints go where save-model writes them, else beside the outputs; Ctrl-C saves one there (exit 130).
  const saveModel = learn.plugin<Plugin & { file?: string }>('save-model');
  const checkpoints = saveModel?.file ? path.dirname(path.resolve(learn.baseDir, saveModel.file)) : path.join(out, 'checkpoints');
  if (flags.weightsOnly && !flags.resume) throw new UsageError('--weights-only needs --resume (the checkpoint to take the weights from)');
  const from = flags.resume ? (flags.resume === true ? checkpoints : path.resolve(io.cwd, flags.resume)) : undefined;
  if (from && flags.weightsOnly) {
    try {
      await learn.load(from, { weightsOnly: true });
    } catch (error) {
      throw new TrainingError('loading the weights failed', { cause: error });
    }
  } else if (from) resumeNextFit(learn, from);
  const interrupt = installInterruptHandler(learn, checkpoints, { resumeCommand: resumeCommand(process.argv, checkpoints), log: io.stderr });
  try {
    await runFit(learn, fit);
  } catch (error) {
    interrupt.finish();
    throw new TrainingError('training failed', { cause: error });
  }
  const interrupted = interrupt.finish();
  if (interrupted) return interrupted;
  const data = history(learn);
  if (data) {
    await mkdir(out, { recursive: true });
    const file = path.join(out, 'history.json');
    await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
    if (!quiet) io.stdout(`history written to ${displayPath(file, io.cwd)}`);
  }
  return EXIT_OK;
}
