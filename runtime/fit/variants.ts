import {
  combinedCos,
  combineScheds,
  ONE_CYCLE_DEFAULTS,
  oneCycleScheds,
  schedCos,
  type HyperSlice,
  type Schedule,
} from '../../plugin-sdk/index.ts';
import type { FitOptions, Trainable } from '../../plugin-sdk/index.ts';
import { spreadHyper } from '../optimizer/spread-hyper.ts';
import { checkCount, checkFraction, checkLrSpec, checkMoms, checkPositive } from './check-args.ts';

/** A learning rate: one for all groups, one per group, or fastai's `slice(start, end)` across groups. */
export type LrSpec = number | readonly number[] | HyperSlice;

/** `Learner.fit`'s options (`wd`, `resume`, …); `plugins` run after the scheduler, for this fit only. */
export type FitVariantOptions = FitOptions;

export interface FitOneCycleOptions extends FitVariantOptions {
  div?: number;
  divFinal?: number;
  pctStart?: number;
  /** Default: `learn.moms`, (0.95, 0.85, 0.95). */
  moms?: readonly [number, number, number];
}

export interface FitFlatCosOptions extends FitVariantOptions {
  divFinal?: number;
  pctStart?: number;
}

export interface FitSgdrOptions extends FitVariantOptions {
  cycleMult?: number;
}

export interface FineTuneOptions extends Omit<FitOneCycleOptions, 'pctStart' | 'div' | 'resume'> {
  freezeEpochs?: number;
  lrMult?: number;
  pctStart?: number;
  div?: number;
}

/** A fit variant's arguments, checked before any hyper-parameter is set. */
function checkVariant(nEpoch: number, lr: LrSpec | undefined, o: { div?: number; divFinal?: number; pctStart?: number }): void {
  checkCount('nEpoch', nEpoch);
  checkLrSpec('lr', lr);
  if (o.div !== undefined) checkPositive('div', o.div);
  if (o.divFinal !== undefined) checkPositive('divFinal', o.divFinal);
  if (o.pctStart !== undefined) checkFraction('pctStart', o.pctStart);
}

/**
 * The per-group values of `lr` (a slice expanded), which the schedules start from. fastai sets them on the
 * optimizer first; here only the schedule sets `lr`, before every batch, so the fit needs no other write.
 */
function groupLrs(learn: Trainable, lr: LrSpec | undefined): number[] {
  return spreadHyper('lr', lr ?? learn.lr, learn.opt.hypers.length);
}

const perGroup = (lrs: readonly number[]) => (lrs.length === 1 ? lrs[0] : lrs);
const divided = (lrs: readonly number[], d: number) => perGroup(lrs.map((x) => x / d));

/** Fit with a `param-scheduler` plugin for these schedules (fastai's `fit(…, cbs=ParamScheduler(scheds))`). */
function fitScheduled(learn: Trainable, nEpoch: number, scheds: Record<string, Schedule>, options: FitOptions): Promise<void> {
  const { plugins = [], ...fitOptions } = options;
  return learn.fit(nEpoch, undefined, { ...fitOptions, plugins: [{ role: 'scheduler', options: { scheds } }, ...plugins] });
}

/**
 * fastai's `fit_one_cycle`: lr from `lrMax/div` up to `lrMax` (cosine) over `pctStart` of the iterations,
 * then down to `lrMax/divFinal`; momentum `moms[0] → moms[1] → moms[2]`.
 */
export async function fitOneCycle(learn: Trainable, nEpoch: number, lrMax?: LrSpec, options: FitOneCycleOptions = {}): Promise<void> {
  const { div, divFinal, pctStart, moms = learn.moms, ...fitOptions } = options;
  checkVariant(nEpoch, lrMax, { div, divFinal, pctStart });
  checkMoms('moms', moms);
  const scheds = oneCycleScheds(groupLrs(learn, lrMax), { div, divFinal, pctStart, moms });
  return fitScheduled(learn, nEpoch, scheds, fitOptions);
}

/** fastai's `fit_flat_cos`: lr flat at `lr` for `pctStart` of the iterations, then cosine down to `lr/divFinal`. */
export async function fitFlatCos(learn: Trainable, nEpoch: number, lr?: LrSpec, options: FitFlatCosOptions = {}): Promise<void> {
  const { divFinal = ONE_CYCLE_DEFAULTS.divFinal, pctStart = 0.75, ...fitOptions } = options;
  checkVariant(nEpoch, lr, { divFinal, pctStart });
  const lrs = groupLrs(learn, lr);
  return fitScheduled(learn, nEpoch, { lr: combinedCos(pctStart, perGroup(lrs), perGroup(lrs), divided(lrs, divFinal)) }, fitOptions);
}

/**
 * fastai's `fit_sgdr`: `nCycles` cosine cycles from `lrMax` to 0, the first `cycleLen` epochs long, each
 * `cycleMult` times longer than the one before; `⌊cycleLen·(cycleMult^nCycles − 1)/(cycleMult − 1)⌋`
 * epochs in all. (fastai divides by zero for `cycleMult = 1`; here that is `nCycles·cycleLen` epochs.)
 */
export async function fitSgdr(learn: Trainable, nCycles: number, cycleLen: number, lrMax?: LrSpec, options: FitSgdrOptions = {}): Promise<void> {
  const { cycleMult = 2, ...fitOptions } = options;
  checkCount('nCycles', nCycles);
  checkCount('cycleLen', cycleLen);
  checkCount('cycleMult', cycleMult);
  checkLrSpec('lrMax', lrMax);
  const nEpoch = cycleMult === 1 ? nCycles * cycleLen : Math.floor((cycleLen * (cycleMult ** nCycles - 1)) / (cycleMult - 1));
  const pcts = Array.from({ length: nCycles }, (_, i) => (cycleLen * cycleMult ** i) / nEpoch);
  const top = perGroup(groupLrs(learn, lrMax));
  const zero = typeof top === 'number' ? 0 : top.map(() => 0);
  return fitScheduled(learn, nEpoch, { lr: combineScheds(pcts, pcts.map(() => schedCos(top, zero))) }, fitOptions);
}

/**
 * fastai's `fine_tune`: `freezeEpochs` of one-cycle on the last group only (lr `slice(baseLr)`, pctStart
 * 0.99, div 25), then unfreeze and one-cycle for `epochs` with `slice(baseLr/2/lrMult, baseLr/2)`. Each
 * stage starts with a cleared optimizer state; a one-group model trains whole in both stages.
 */
export async function fineTune(learn: Trainable, epochs: number, baseLr = 2e-3, options: FineTuneOptions = {}): Promise<void> {
  const { freezeEpochs = 1, lrMult = 100, pctStart = 0.3, div = 5, ...rest } = options;
  checkCount('epochs', epochs);
  checkCount('freezeEpochs', freezeEpochs);
  checkLrSpec('baseLr', baseLr);
  checkPositive('lrMult', lrMult);
  checkVariant(epochs, undefined, { div, pctStart });
  freezeTo(learn, -1);
  await fitOneCycle(learn, freezeEpochs, { end: baseLr }, { ...rest, pctStart: 0.99 });
  const lr = baseLr / 2;
  freezeTo(learn, 0);
  await fitOneCycle(learn, epochs, { start: lr / lrMult, end: lr }, { ...rest, pctStart, div });
}

/**
 * fastai's `Learner.freeze_to`: the optimizer's `freezeTo(n)` (no check on the number of groups: with one
 * group, freezing all but the last is a no-op), then `clearState()`, so each stage starts with fresh statistics.
 */
function freezeTo(learn: Trainable, n: number): void {
  learn.opt.freezeTo(n);
  learn.opt.clearState();
}
