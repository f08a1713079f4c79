import { z } from 'zod';
import { TapfitError } from './errors.ts';
import { metricColumn } from './metric-values.ts';
import type { Learner } from './types.ts';

/** Options shared by every tracker plugin (`early-stopping`, `save-model`, `reduce-lr-on-plateau`). */
export const trackerOptionsShape = {
  /** A name of `recorder.metricNames` (after `epoch`); default `'valid_loss'`. */
  monitor: z.string().default('valid_loss'),
  /** Default: `'less'` when `monitor` contains `loss` or `error`, else `'greater'`. */
  comp: z.enum(['less', 'greater']).optional(),
  /** An improvement must beat the best by more than this. */
  minDelta: z.number().min(0).default(0),
  /** Forget the best value at the start of each fit. */
  resetOnFit: z.boolean().default(true),
};

export interface TrackerOptions {
  monitor: string;
  comp?: 'less' | 'greater';
  minDelta: number;
  resetOnFit: boolean;
}

export interface TrackerState {
  best: number | null;
  newBest: boolean;
}

/**
 * fastai's `TrackerCallback`: after each epoch, compares `recorder.values[-1][monitor]` with the best value so
 * far. Plugins own one and call `beforeFit` / `update` / `afterFit` from their own event methods.
 */
export class Tracker {
  readonly monitor: string;
  readonly comp: 'less' | 'greater';
  /** Signed as in fastai: negated for `less`, so an improvement is `value - minDelta` beating `best`. */
  readonly minDelta: number;
  readonly resetOnFit: boolean;
  best: number | null = null;
  newBest = false;
  /** False during an LR finder sweep: the plugin then does nothing until `afterFit`. */
  active = true;
  private idx = -1;
  private resumed = false;

  constructor(
    readonly owner: string,
    options: TrackerOptions,
  ) {
    this.monitor = options.monitor;
    this.comp = options.comp ?? (/loss|error/.test(options.monitor) ? 'less' : 'greater');
    this.minDelta = this.comp === 'less' ? -options.minDelta : options.minDelta;
    this.resetOnFit = options.resetOnFit;
  }

  get isLess(): boolean {
    return this.comp === 'less';
  }

  /**
   * Returns true when the state was just loaded (a resumed fit): the best value is then kept, and the
   * plugin should keep its own counters too.
   */
  beforeFit(learn: Learner): boolean {
    const resumed = this.resumed;
    this.resumed = false;
    // An LR sweep is not a real training run: trackers stay idle through it (fastai's `run`).
    this.active = !learn.sweeping;
    if (!resumed && (this.resetOnFit || this.best === null)) this.best = this.isLess ? Infinity : -Infinity;
    const recorder = learn.recorder;
    if (!recorder) {
      throw new TapfitError('E_CONFIG', `${this.owner} reads the recorder's values, but the "recorder" plugin is not loaded`);
    }
    const names = recorder.metricNames.slice(1);
    this.idx = metricColumn(recorder.metricNames, this.monitor);
    if (this.idx < 0) {
      throw new TapfitError(
        'E_CONFIG',
        `${this.owner}: monitor "${this.monitor}" is not recorded; the recorder has ${names.map((n) => `"${n}"`).join(', ')}`,
      );
    }
    return resumed;
  }

  /** The monitored value of the last epoch (null when that phase was cancelled). */
  current(learn: Learner): number | null {
    const row = learn.recorder?.values.at(-1);
    const value = row?.[this.idx];
    return typeof value === 'number' ? value : null;
  }

  /** fastai's `after_epoch`: sets and returns `newBest`. A missing or NaN value never improves. */
  update(learn: Learner): boolean {
    const value = this.current(learn);
    const best = this.best ?? (this.isLess ? Infinity : -Infinity);
    const shifted = value === null ? NaN : value - this.minDelta;
    this.newBest = this.isLess ? shifted < best : shifted > best;
    if (this.newBest) this.best = value;
    return this.newBest;
  }

  afterFit(): void {
    this.active = true;
  }

  stateDict(): TrackerState {
    return { best: this.best, newBest: this.newBest };
  }

  loadStateDict(state: unknown): void {
    const s = state as Partial<TrackerState> | null;
    if (typeof s !== 'object' || s === null || !(s.best === null || typeof s.best === 'number')) {
      throw new TapfitError('E_CHECKPOINT', `${this.owner}: tracker state lacks a numeric "best"`);
    }
    this.best = s.best;
    this.newBest = Boolean(s.newBest);
    this.resumed = true;
  }
}

/** Options of a {@link PatienceTracker}: the tracker's, and how many epochs without improvement it waits. */
export interface PatienceTrackerOptions extends TrackerOptions {
  patience: number;
}

/** The part of a plugin's `stateDict()` a {@link PatienceTracker} owns. */
export interface PatienceState {
  tracker: TrackerState;
  wait: number;
}

/**
 * The skeleton `early-stopping` and `reduce-lr-on-plateau` share (fastai's `TrackerCallback` with a `wait`
 * counter): `step(learn)` after each epoch says whether the monitored value improved, or whether `patience`
 * epochs have passed without it. The plugin acts on `'exhausted'` (and resets `wait` if it goes on waiting).
 */
export class PatienceTracker extends Tracker {
  readonly patience: number;
  /** Epochs since the last improvement. */
  wait = 0;

  constructor(owner: string, options: PatienceTrackerOptions) {
    super(owner, options);
    this.patience = options.patience;
  }

  /** A fresh fit restarts the count; a resumed one (returns true) keeps it. */
  override beforeFit(learn: Learner): boolean {
    const resumed = super.beforeFit(learn);
    if (!resumed) this.wait = 0;
    return resumed;
  }

  /** fastai's `after_epoch` of the two callbacks: `'improved'` resets `wait`; else it counts, up to `patience`. */
  step(learn: Learner): 'improved' | 'waiting' | 'exhausted' {
    if (this.update(learn)) {
      this.wait = 0;
      return 'improved';
    }
    this.wait += 1;
    return this.wait >= this.patience ? 'exhausted' : 'waiting';
  }

  patienceState(): PatienceState {
    return { tracker: this.stateDict(), wait: this.wait };
  }

  /** Loads what {@link patienceState} saved, or fails naming the plugin. */
  loadPatienceState(state: unknown): void {
    const s = state as Partial<PatienceState> | null;
    if (typeof s?.wait !== 'number') throw new TapfitError('E_CHECKPOINT', `${this.owner}: the saved state lacks "wait"`);
    this.loadStateDict(s.tracker);
    this.wait = s.wait;
  }
}

/**
 * A number as Python's `repr(float)` writes it (`1e-08`, `0.0001`, `2.0`), so messages read like fastai's.
 * JavaScript and Python both print the shortest round-tripping digits; only the layout differs.
 */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const abs = Math.abs(x);
  if (abs < 1e-4 || abs >= 1e16) {
    const [mantissa, exponent] = x.toExponential().split('e');
    const sign = exponent.startsWith('-') ? '-' : '+';
    const digits = exponent.replace(/^[-+]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(x);
}
