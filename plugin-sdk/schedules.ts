/**
 * fastai's schedules (`fastai/callback/schedule.py`): each is a pure function of the training
 * position `pos ∈ [0, 1]`. `start`/`end` may be arrays (one value per parameter group), in which case the
 * schedule returns an array, elementwise; a number mixed with an array is broadcast.
 *
 * They live in the SDK because plugins (`param-scheduler`, `one-cycle`, `lr-finder`) build schedules and
 * may not import the runtime; `tapfit` re-exports them.
 */
import { TapfitError } from './errors.ts';

/** A value per group, or one value for all groups. */
export type ScheduleValue = number | readonly number[];
/** A schedule: the value of a hyper-parameter at training position `pos ∈ [0, 1]`. */
export type Schedule<T extends ScheduleValue = ScheduleValue> = (pos: number) => T;

/** An annealer over numbers, or elementwise over per-group arrays. */
export interface Annealer {
  (start: number, end: number): Schedule<number>;
  (start: readonly number[], end: ScheduleValue): Schedule<number[]>;
  (start: ScheduleValue, end: readonly number[]): Schedule<number[]>;
  (start: ScheduleValue, end: ScheduleValue): Schedule;
}

const at = (v: ScheduleValue, i: number) => (typeof v === 'number' ? v : v[i]);
const width = (v: ScheduleValue) => (typeof v === 'number' ? 1 : v.length);

function annealer(f: (s: number, e: number, pos: number) => number): Annealer {
  return ((start: ScheduleValue, end: ScheduleValue): Schedule => {
    if (typeof start === 'number' && typeof end === 'number') return (pos) => f(start, end, pos);
    const n = Math.max(width(start), width(end));
    if ((typeof start !== 'number' && start.length !== n) || (typeof end !== 'number' && end.length !== n)) {
      throw new TapfitError('E_CONFIG', `schedule start and end have different lengths ([${String(start)}] vs [${String(end)}])`);
    }
    return (pos) => Array.from({ length: n }, (_, i) => f(at(start, i), at(end, i), pos));
  }) as Annealer;
}

/** Linear: `start + pos·(end − start)`. */
export const schedLin = annealer((s, e, pos) => s + pos * (e - s));
/** Cosine from `start` to `end`: `start + (1 + cos(π·(1 − pos)))·(end − start)/2`. */
export const schedCos = annealer((s, e, pos) => s + ((1 + Math.cos(Math.PI * (1 - pos))) * (e - s)) / 2);
/** Constant `start` (`end` is ignored). */
export const schedNo = annealer((s) => s);
/** Exponential: `start·(end/start)^pos`. */
export const schedExp = annealer((s, e, pos) => s * (e / s) ** pos);

/** Polynomial: `start + (end − start)·pos^power`. */
export function schedPoly(start: number, end: number, power: number): Schedule<number>;
export function schedPoly(start: ScheduleValue, end: ScheduleValue, power: number): Schedule;
export function schedPoly(start: ScheduleValue, end: ScheduleValue, power: number): Schedule {
  return annealer((s, e, pos) => s + (e - s) * pos ** power)(start, end);
}

/**
 * fastai's `combine_scheds`: `scheds[k]` runs over the fraction `pcts[k]` of training, each seeing its own
 * position in [0, 1]. As in fastai, the pcts, boundaries and local position are float32, so a position on a
 * boundary picks the same segment (`fitSgdr(3, 1)` restarts on the same batch).
 */
export function combineScheds<T extends ScheduleValue>(pcts: readonly number[], scheds: readonly Schedule<T>[]): Schedule<T> {
  if (pcts.length === 0 || pcts.length !== scheds.length) {
    throw new TapfitError('E_CONFIG', `combineScheds needs one pct per schedule (got ${pcts.length} pcts, ${scheds.length} schedules)`);
  }
  const sum = pcts.reduce((a, b) => a + b, 0);
  // fastai asserts `sum(pcts) == 1.` exactly; a rounding error of a few ulps (0.1 + 0.2 + 0.7) is let through.
  if (Math.abs(sum - 1) > 1e-9 || pcts.some((p) => !(p >= 0))) {
    throw new TapfitError('E_CONFIG', `combineScheds: pcts must be ≥ 0 and sum to 1, got [${pcts.join(', ')}]`);
  }
  // fastai: `torch.cumsum(tensor([0] + pcts))`: each pct rounded to float32, then summed in float32.
  const bounds = [0];
  for (const p of pcts) bounds.push(Math.fround(bounds[bounds.length - 1] + Math.fround(p)));
  const last = pcts.length - 1;
  return (pos: number) => {
    const p32 = Math.fround(pos);
    let idx = 0;
    for (let k = 0; k < bounds.length; k++) if (p32 >= bounds[k]) idx = k;
    idx = Math.min(idx, last);
    const local = Math.fround(Math.fround(p32 - bounds[idx]) / Math.fround(bounds[idx + 1] - bounds[idx]));
    return scheds[idx](local);
  };
}

/** fastai's `combined_cos`: cosine from `start` up (or down) to `middle` over `pct`, then to `end`. */
export function combinedCos(pct: number, start: number, middle: number, end: number): Schedule<number>;
export function combinedCos(pct: number, start: ScheduleValue, middle: ScheduleValue, end: ScheduleValue): Schedule;
export function combinedCos(pct: number, start: ScheduleValue, middle: ScheduleValue, end: ScheduleValue): Schedule {
  return combineScheds([pct, 1 - pct], [schedCos(start, middle), schedCos(middle, end)]);
}

export interface OneCycleOptions {
  /** lr starts at `lrMax/div`; default 25. */
  div?: number;
  /** lr ends at `lrMax/divFinal`; default 1e5. */
  divFinal?: number;
  /** Fraction of training spent warming up; default 0.25. */
  pctStart?: number;
  /** Momentum goes `moms[0] → moms[1] → moms[2]`; default `[0.95, 0.85, 0.95]`. */
  moms?: readonly [number, number, number];
}

/** fastai's `fit_one_cycle` defaults, written once: `fitOneCycle`, the `one-cycle` plugin and `oneCycleScheds` read them. */
export const ONE_CYCLE_DEFAULTS = {
  div: 25,
  divFinal: 1e5,
  pctStart: 0.25,
  moms: [0.95, 0.85, 0.95],
} as const satisfies Required<OneCycleOptions>;

/** The `lr` and `mom` schedules of fastai's `fit_one_cycle`, for `lrMax` per group; unset options take {@link ONE_CYCLE_DEFAULTS}. */
export function oneCycleScheds(lrMax: readonly number[], options: OneCycleOptions = {}): Record<'lr' | 'mom', Schedule> {
  const d = ONE_CYCLE_DEFAULTS;
  const { div = d.div, divFinal = d.divFinal, pctStart = d.pctStart, moms = d.moms } = options;
  const lrs = lrMax.length === 1 ? lrMax[0] : lrMax;
  const scale = (d: number) => (typeof lrs === 'number' ? lrs / d : lrs.map((x) => x / d));
  return {
    lr: combinedCos(pctStart, scale(div), lrs, scale(divFinal)),
    mom: combinedCos(pctStart, moms[0], moms[1], moms[2]),
  };
}
