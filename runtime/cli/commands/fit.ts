import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { learnerFromConfig } from '../../config/build.ts';
import { displayPath } from '../../config/errors.ts';
import { runFit } from '../../config/run-fit.ts';
import { historyOf, writeRunPlots } from '../../plot/history.ts';
import { installInterruptHandler, resumeCommand, resumeNextFit } from '../../checkpoint/index.ts';
import type { CheckpointProvider, Plugin, PluginRequest } from '../../../plugin-sdk/index.ts';
import type { Learner } from '../../learner/learner.ts';
import type { LoadedConfig } from '../../config/discover.ts';
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
  /** `--dashboard` (a free port) or `--dashboard <port>`. */
  dashboard?: boolean | number;
  /** `--no-plots` sets this false: no PNG charts beside history.json. */
  plots?: boolean;
  /** With `resume`: load only the weights, then train a new fit. */
  weightsOnly?: boolean;
}

/** `tapfit fit`: build the learner from the config, train, write `history.json`. */
export async function fitCommand(flags: FitFlags, io: CliIO): Promise<number> {
  const loaded = await loadForCli(flags, io);
  const quiet = Boolean(flags.quiet);
  const extraPlugins: PluginRequest[] = quiet ? [] : [{ role: 'progress' }];
  if (flags.dashboard !== undefined && flags.dashboard !== false) extraPlugins.push({ role: 'dashboard', options: { port: flags.dashboard === true ? 0 : flags.dashboard } });
  const learn = await learnerFromConfig(loaded, { extraPlugins, quiet, logger: io.stdout });
  try {
    return await fitAndWrite(learn, loaded, flags, io);
  } finally {
    // What plugins keep beyond the fit (the dashboard's server) goes with the command; the page keeps what it shows.
    await learn.close();
  }
}

async function fitAndWrite(learn: Learner, loaded: LoadedConfig, flags: FitFlags, io: CliIO): Promise<number> {
  const quiet = Boolean(flags.quiet);
  const fit = loaded.config.fit;
  const out = outputDir(loaded, flags.output, io);
  // Checkpoints go where save-model writes them, else beside the outputs; Ctrl-C saves one there (exit 130).
  const provider = learn.pluginWithRole<Plugin & Partial<CheckpointProvider>>('checkpoints');
  const checkpoints = provider?.checkpointFile ? path.dirname(path.resolve(learn.baseDir, provider.checkpointFile)) : path.join(out, 'checkpoints');
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
  const data = learn.recorder ? historyOf(learn.recorder) : null;
  if (data) {
    await mkdir(out, { recursive: true });
    const file = path.join(out, 'history.json');
    await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
    if (!quiet) io.stdout(`history written to ${displayPath(file, io.cwd)}`);
    if (flags.plots !== false) {
      const plots = await writeRunPlots(data, out, { format: 'png' });
      if (!quiet) io.stdout(`plots written to ${plots.map((p) => displayPath(p, io.cwd)).join(', ')}`);
    }
  }
  return EXIT_OK;
}
