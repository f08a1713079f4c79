import { EVENTS, type LearnerView } from '../../plugin-sdk/index.ts';

/** Where the run stands, as the page shows it. */
export interface RunStatus {
  state: 'waiting' | 'running' | 'finished' | 'cancelled' | 'failed';
  /** Why a run was cancelled or failed. */
  message: string | null;
  epoch: number;
  nEpoch: number;
  /** Batch within the current phase, and the phase's length. */
  iter: number;
  nIter: number;
  phase: 'train' | 'valid' | null;
  /** Seconds since the fit began, and the estimated seconds left (null until a batch has run). */
  elapsed: number;
  eta: number | null;
}

/** Everything the page needs to draw the run from scratch (sent on connect and on reload). */
export interface Snapshot {
  run: number;
  title: string;
  status: RunStatus;
  /** The epoch table's header: `['epoch', 'train_loss', 'valid_loss', ...metrics, 'time']`. */
  metricNames: string[];
  /** Smoothed training loss per training batch. */
  losses: (number | null)[];
  /** Every hyper of the last parameter group per training batch (null where it was not set yet). */
  hps: Record<string, (number | null)[]>;
  /** The epoch table's rows so far. */
  rows: (number | string | null)[][];
  /** Training batches done at the end of each epoch (x of the per-epoch points on the batch axis). */
  iters: number[];
  /** `learn.explain()`: the plugins that run on each event, in order (events with no tap left out). */
  order: { event: string; taps: string[] }[];
}

/** What changed since the last message: new batches and rows are appended, the status replaced. */
export interface Delta {
  run: number;
  status: RunStatus;
  /** Index in `losses` (and each `hps` series) of the first point sent: the page cuts its series there, then appends. */
  from: number;
  /** Index of the first row sent, likewise. */
  rowsFrom: number;
  losses: (number | null)[];
  hps: Record<string, (number | null)[]>;
  rows: (number | string | null)[][];
  iters: number[];
}

interface Series {
  metricNames: readonly string[];
  losses: readonly number[];
  hps: Readonly<Record<string, readonly number[]>>;
  iters: readonly number[];
}

/** NaN/Infinity become null: JSON has no such numbers, and the page draws a gap. */
const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The plugins on each event, read from the hooks' taps (what `learn.explain()` returns). */
export function pluginOrder(learn: LearnerView): { event: string; taps: string[] }[] {
  const hooks = learn.hooks as unknown as Record<string, { taps: { name: string }[] }>;
  return [...EVENTS, 'onError']
    .map((event) => ({ event, taps: (hooks[event]?.taps ?? []).map((t) => t.name) }))
    .filter((e) => e.taps.length > 0);
}

/**
 * Follows one fit through the recorder: each `delta()` takes what is new since the previous delta, and says
 * where it starts, so a page that got a `snapshot()` (the whole run so far) in between applies it exactly once. Reading `recorder.losses` here (once
 * per flush, not per batch) is what keeps the recorder's grouped device reads grouped.
 */
export class RunFeed {
  private sentLosses = 0;
  private sentRows = 0;
  private readonly rows: (number | string | null)[][] = [];
  private readonly started = performance.now();
  private batchesDone = 0;
  private frozen: Series | null = null;
  /** The epoch of this fit's first batch (a resumed fit starts past 0). */
  private startEpoch: number | null = null;
  status: RunStatus;

  constructor(
    readonly run: number,
    readonly title: string,
    private readonly learn: LearnerView,
    private readonly order: { event: string; taps: string[] }[],
  ) {
    this.status = { state: 'running', message: null, epoch: learn.epoch, nEpoch: learn.nEpoch, iter: 0, nIter: 0, phase: null, elapsed: 0, eta: null };
    // A resumed fit: the recorder already holds the earlier epochs (their times were not kept).
    const r = learn.recorder;
    for (const [e, values] of (r?.values ?? []).entries()) this.rows.push([e, ...values, ...(r!.metricNames.at(-1) === 'time' ? [''] : [])]);
  }

  /** Counts one batch of the current phase (for the ETA) and updates the position. */
  onBatch(): void {
    this.startEpoch ??= this.learn.epoch;
    this.batchesDone += 1;
    this.position();
  }

  /** The epoch just ended: its table row as the recorder logged it. */
  onEpoch(): void {
    const log = this.learn.recorder?.log;
    if (log?.length) this.rows.push([...log]);
    this.position();
  }

  /** The run ended: its series are copied, so that later fits (an lrFind sweep) do not change what the page shows. */
  finish(state: 'finished' | 'cancelled' | 'failed', message: string | null): void {
    this.position();
    this.status = { ...this.status, state, message, eta: state === 'finished' ? 0 : null, phase: null };
    const r = this.learn.recorder;
    this.frozen = {
      metricNames: [...(r?.metricNames ?? [])],
      losses: [...(r?.losses ?? [])],
      hps: Object.fromEntries(Object.entries(r?.hps ?? {}).map(([k, v]) => [k, [...v]])),
      iters: [...(r?.iters ?? [])],
    };
  }

  /** The recorder's series while the run goes on, their copy once it has ended. */
  private series(): Series {
    if (this.frozen) return this.frozen;
    const r = this.learn.recorder;
    return { metricNames: r?.metricNames ?? [], losses: r?.losses ?? [], hps: r?.hps ?? {}, iters: r?.iters ?? [] };
  }

  snapshot(): Snapshot {
    const r = this.series();
    return {
      run: this.run,
      title: this.title,
      status: { ...this.status },
      metricNames: [...r.metricNames],
      losses: r.losses.map(finite),
      hps: Object.fromEntries(Object.entries(r.hps).map(([k, v]) => [k, v.map(finite)])),
      rows: this.rows.map((row) => [...row]),
      iters: [...r.iters],
      order: this.order,
    };
  }

  delta(): Delta {
    const r = this.series();
    const all = r.losses;
    const from = Math.min(this.sentLosses, all.length);
    const delta: Delta = {
      run: this.run,
      status: { ...this.status },
      from,
      losses: all.slice(from).map(finite),
      hps: Object.fromEntries(Object.entries(r.hps).map(([k, v]) => [k, v.slice(from, all.length).map(finite)])),
      rowsFrom: this.sentRows,
      rows: this.rows.slice(this.sentRows).map((row) => [...row]),
      iters: [...r.iters],
    };
    this.sentLosses = all.length;
    this.sentRows = this.rows.length;
    return delta;
  }

  /** Position and ETA: the fraction of this fit's batches done (train and valid), extrapolated in time. */
  private position(): void {
    const l = this.learn;
    const elapsed = (performance.now() - this.started) / 1000;
    const perEpoch = l.dls.train.length + l.dls.valid.length;
    const total = Math.max(0, l.nEpoch - (this.startEpoch ?? l.epoch)) * perEpoch;
    const eta = this.batchesDone > 0 && total > 0 ? Math.max(0, (elapsed / this.batchesDone) * (total - this.batchesDone)) : null;
    this.status = {
      ...this.status,
      epoch: l.epoch,
      nEpoch: l.nEpoch,
      iter: l.iter + 1,
      nIter: l.nIter,
      phase: l.training ? 'train' : 'valid',
      elapsed,
      eta,
    };
  }
}
