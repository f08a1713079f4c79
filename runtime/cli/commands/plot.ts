import { statSync } from 'node:fs';
import path from 'node:path';
import { displayPath } from '../../config/errors.ts';
import { readRunHistory, writeRunPlots } from '../../plot/history.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import type { CliIO } from '../io.ts';

export interface PlotFlags {
  output?: string;
  format?: string;
}

/**
 * `tapfit plot <history.json | checkpoint | run folder>`: the loss, per-epoch metrics and schedules of a
 * finished run. `-o file.png|file.svg` writes one figure with all of them; `-o folder` (default: the source's
 * folder) writes `loss`, `metrics` and `sched` charts in `--format`.
 */
export async function plotCommand(source: string, flags: PlotFlags, io: CliIO): Promise<number> {
  const format = flags.format ?? 'png';
  if (format !== 'png' && format !== 'svg') throw new UsageError(`--format: expected png or svg, got "${format}"`);
  const from = path.resolve(io.cwd, source);
  const history = readRunHistory(from);
  const target = flags.output ? path.resolve(io.cwd, flags.output) : statSync(from).isDirectory() ? from : path.dirname(from);
  const files = await writeRunPlots(history, target, { format });
  io.stdout(`plots written: ${files.map((f) => displayPath(f, io.cwd)).join(', ')}`);
  return EXIT_OK;
}
