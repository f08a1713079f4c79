import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { z } from 'zod';
import { metricColumn, TapfitError, type RecorderView } from '../../plugin-sdk/index.ts';
import { writeChart } from '../../plugin-sdk/charts.ts';
import { epochChart, lossChart, schedChart } from '../../plugin-sdk/run-charts.ts';
import { readCheckpoint } from '../checkpoint/load.ts';

/** What the recorder saw in a run, as `tapfit fit` writes it to `history.json`: enough to plot or compare runs later. */
export interface RunHistory {
  metricNames: string[];
  values: (number | null)[][];
  iters: number[];
  losses: number[];
  lrs: number[];
  hps: Record<string, number[]>;
  notes: string[];
}

export function historyOf(r: RecorderView): RunHistory {
  return {
    metricNames: [...r.metricNames],
    values: r.values.map((row) => [...row]),
    iters: [...r.iters],
    losses: [...r.losses],
    lrs: [...r.lrs],
    hps: Object.fromEntries(Object.entries(r.hps).map(([k, v]) => [k, [...v]])),
    notes: [...r.notes],
  };
}

// JSON turns NaN (a hyper not set yet) into null: read it back as NaN.
const num = z.number().nullable().transform((v) => v ?? Number.NaN);
const historySchema = z.object({
  metricNames: z.array(z.string()).min(2),
  values: z.array(z.array(z.number().nullable())),
  iters: z.array(z.number()),
  losses: z.array(num),
  hps: z.record(z.string(), z.array(num)).default({}),
  notes: z.array(z.string()).default([]),
});

function parseHistory(data: unknown, source: string): RunHistory {
  const parsed = historySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TapfitError('E_CONFIG', `${source}: not a run history (${issue.path.join('.') || '(top level)'}: ${issue.message}); expected the history.json that \`tapfit fit\` writes`);
  }
  const h = parsed.data;
  return { ...h, lrs: h.hps.lr ?? [] };
}

function fromCheckpoint(file: string): RunHistory {
  const state = readCheckpoint(file).manifest.plugins.recorder;
  if (!state) throw new TapfitError('E_CHECKPOINT', `checkpoint ${file}: it holds no recorder state (saved without the "recorder" plugin)`);
  return parseHistory(state, `checkpoint ${file}`);
}

/**
 * A finished run's history from `history.json`, a checkpoint (`.tapfit`: the recorder's saved state), or a run
 * folder (its `history.json`, else its checkpoint `last.tapfit`, else `checkpoints/last.tapfit`).
 */
export function readRunHistory(source: string): RunHistory {
  if (!existsSync(source)) throw new TapfitError('E_CONFIG', `${source}: no such file or folder (expected history.json, a checkpoint or a run folder)`);
  if (statSync(source).isDirectory()) {
    for (const candidate of ['history.json', 'last.tapfit', path.join('checkpoints', 'last.tapfit')]) {
      const file = path.join(source, candidate);
      if (existsSync(file)) return readRunHistory(file);
    }
    throw new TapfitError('E_CONFIG', `${source}: the folder holds no history.json, last.tapfit or checkpoints/last.tapfit`);
  }
  if (source.endsWith('.json')) {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(source, 'utf8'));
    } catch (error) {
      throw new TapfitError('E_CONFIG', `${source}: not valid JSON (${(error as Error).message})`, { cause: error });
    }
    return parseHistory(data, source);
  }
  return fromCheckpoint(source);
}

/** The charts of a run, by name: `loss` (per batch), `metrics` (per epoch) and `sched` (hypers that changed). */
export function runCharts(h: RunHistory, { skipStart = 5 }: { skipStart?: number } = {}): Record<string, TopLevelSpec> {
  const skip = h.losses.length > 2 * skipStart ? skipStart : 0;
  const train = h.losses.slice(skip).flatMap((loss, i) => (Number.isFinite(loss) ? [{ iteration: i + skip, loss }] : []));
  const validColumn = metricColumn(h.metricNames, 'valid_loss');
  const valid =
    validColumn >= 0
      ? h.values.flatMap((row, e) => (typeof row[validColumn] === 'number' && h.iters[e] >= skip ? [{ iteration: h.iters[e], loss: row[validColumn] as number }] : []))
      : [];
  const columns = h.metricNames.slice(1).filter((n) => n !== 'time');
  const varying = Object.keys(h.hps)
    .filter((k) => new Set(h.hps[k].filter(Number.isFinite)).size > 1)
    .sort((a, b) => rank(a) - rank(b));
  const sched = varying.length ? varying : h.hps.lr ? ['lr'] : [];
  const charts: Record<string, TopLevelSpec> = { loss: lossChart(train, valid) };
  if (h.values.length) charts.metrics = epochChart(columns, h.values);
  if (sched.length) charts.sched = schedChart(Object.fromEntries(sched.map((k) => [k, h.hps[k]])));
  return charts;
}

const rank = (k: string) => (k === 'lr' ? 0 : k === 'mom' ? 1 : 2);

/** All of a run's charts stacked in one figure. */
export function runChart(h: RunHistory): TopLevelSpec {
  const parts = Object.values(runCharts(h));
  return { vconcat: parts, spacing: 30 } as TopLevelSpec;
}

/**
 * Write a run's charts: to a file ending in `.svg`/`.png`, one figure with all of them; to a folder,
 * `loss`, `metrics` and `sched` charts in `format`. Returns the files written.
 */
export async function writeRunPlots(h: RunHistory, target: string, { format = 'png' }: { format?: 'png' | 'svg' } = {}): Promise<string[]> {
  const ext = path.extname(target).toLowerCase();
  if (ext === '.png' || ext === '.svg') {
    await writeChart(target, runChart(h));
    return [target];
  }
  const files: string[] = [];
  for (const [name, spec] of Object.entries(runCharts(h))) {
    const file = path.join(target, `${name}.${format}`);
    await writeChart(file, spec);
    files.push(file);
  }
  return files;
}
