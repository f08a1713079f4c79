import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { learnerFromConfig } from '../../config/build.ts';
import { loadLearner } from '../../learner/load-learner.ts';
import type { Learner } from '../../learner/learner.ts';
import { UsageError } from '../errors.ts';
import type { CliIO } from '../io.ts';
import { loadForCli } from '../session.ts';

export interface ModelFlags {
  config?: string;
  /** A checkpoint (`.tapfit`) whose weights replace the config model's. */
  checkpoint?: string;
  /** A folder written by `learn.export` (its model, loss, labels; the config's data when a config is used). */
  model?: string;
}

/**
 * The learner `validate`/`predict` run: the config's (weights from `--checkpoint`), or an exported one
 * (`--model`), given the config's data and metrics when there is a config.
 */
export async function inferenceLearner(flags: ModelFlags, io: CliIO, needsConfig: boolean): Promise<Learner> {
  if (flags.checkpoint && flags.model) throw new UsageError('--checkpoint and --model are alternatives: give one');
  const exported = flags.model ? path.resolve(io.cwd, flags.model) : undefined;
  if (exported && !(existsSync(exported) && statSync(exported).isDirectory())) {
    throw new UsageError(`--model: "${flags.model}" is not a folder written by learn.export()`);
  }
  if (exported && !needsConfig && !flags.config) return loadLearner(exported);
  const loaded = await loadForCli(flags, io);
  const learn = await learnerFromConfig(loaded, { quiet: true });
  if (flags.checkpoint) {
    const file = path.resolve(io.cwd, flags.checkpoint);
    if (!existsSync(file)) throw new UsageError(`--checkpoint: no file "${flags.checkpoint}"`);
    await learn.load(file, { weightsOnly: true });
  }
  if (!exported) return learn;
  const fromExport = await loadLearner(exported);
  fromExport.dls = learn.dls;
  fromExport.metrics = learn.metrics;
  return fromExport;
}
