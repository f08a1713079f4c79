import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { learnerFromConfig } from '../../config/build.ts';
import { displayPath } from '../../config/errors.ts';
import { chartFormat } from '../../../plugin-sdk/index.ts';
import { EXIT_OK, TrainingError } from '../errors.ts';
import type { CliIO } from '../io.ts';
import { loadForCli, outputDir } from '../session.ts';

export interface LrFindFlags {
  config?: string;
  startLr?: number;
  endLr?: number;
  numIt?: number;
  output?: string;
  /** `--plot <file>`: the chart's file (`.svg` or `.png`), from the working directory. */
  plot?: string;
  quiet?: boolean;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : 'n/a');

/** `tapfit lr-find`: fastai's `lr_find` on the configured learner; prints the suggestions, writes `lr-find.svg`. */
export async function lrFindCommand(flags: LrFindFlags, io: CliIO): Promise<number> {
  const loaded = await loadForCli(flags, io);
  const quiet = Boolean(flags.quiet);
  // Plugins' messages during the sweep (tables, reports) are about a run that is thrown away: not shown.
  const learn = await learnerFromConfig(loaded, { quiet: true });
  const out = outputDir(loaded, flags.output, io);
  await mkdir(out, { recursive: true });
  const plot = flags.plot ? path.resolve(io.cwd, flags.plot) : path.join(out, 'lr-find.svg');
  if (flags.plot) chartFormat(plot); // a bad extension fails before the sweep, not after it
  const settings = { ...loaded.config.lrFind };
  for (const key of ['startLr', 'endLr', 'numIt'] as const) if (flags[key] !== undefined) settings[key] = flags[key];
  let result;
  try {
    result = await learn.lrFind({ ...settings, plot });
  } catch (error) {
    throw new TrainingError('lr-find failed', { cause: error });
  }
  const names = Object.keys(result.suggestions);
  const width = Math.max(...names.map((n) => n.length));
  io.stdout(['suggested learning rates:', ...names.map((n) => `  ${n.padEnd(width)}  ${fmt(result.suggestions[n])}`)].join('\n'));
  if (!quiet) io.stdout(`plot written to ${displayPath(plot, io.cwd)}`);
  return EXIT_OK;
}
