import { checkCount, checkLr } from './check-args.ts';
import { TapfitError, type LrPoint } from '../../plugin-sdk/index.ts';
import type { Trainable } from '../../plugin-sdk/index.ts';
import { SUGGESTIONS, type SuggestFn, type SuggestionName } from './suggestions.ts';

export interface LrFindOptions {
  startLr?: number;
  endLr?: number;
  numIt?: number;
  stopDiv?: boolean;
  /** More suggestion functions, keyed by name (the four built-ins always run). */
  suggest?: Readonly<Record<string, SuggestFn>>;
  /** Write the LR finder chart here, with the suggestions marked: SVG or PNG by the extension (`lr.svg`, `lr.png`). */
  plot?: string;
}

/** fastai's `SuggestedLRs`, plus the curve they were computed from. */
export interface SuggestedLrs extends Record<SuggestionName, number> {
  /** Every suggestion, custom ones included. */
  suggestions: Record<string, number>;
  /** Where each suggestion sits on the curve (for a chart). */
  points: Record<string, LrPoint>;
  /** The curve the suggestions come from: `recorder.lrs/losses[⌊numIt/10⌋ : −5]`, cut at the first NaN. */
  lrs: number[];
  losses: number[];
}

/**
 * fastai's `lr_find`: an exponential lr sweep from `startLr` to `endLr` over `numIt` training batches
 * (the `lr-finder` plugin), stopping early when the loss diverges. Model and optimizer are restored
 * afterwards; the learner's recorder then holds the sweep.
 */
export async function lrFind(learn: Trainable, options: LrFindOptions = {}): Promise<SuggestedLrs> {
  const { startLr = 1e-7, endLr = 10, numIt = 100, stopDiv = true } = options;
  checkLr('startLr', startLr);
  checkLr('endLr', endLr);
  checkCount('numIt', numIt);
  if (!(endLr > startLr)) throw new TapfitError('E_CONFIG', `endLr: expected a learning rate above startLr (${startLr}), got ${endLr}`);
  const recorder = learn.recorder;
  if (!recorder) throw new TapfitError('E_CONFIG', 'lrFind needs the "recorder" plugin (it is loaded by default)');
  const nEpoch = Math.floor(numIt / learn.dls.train.length) + 1;
  await learn.fit(nEpoch, undefined, { plugins: [{ role: 'lr-sweep', options: { startLr, endLr, numIt, stopDiv } }] });

  const from = Math.floor(numIt / 10);
  let lrs = recorder.lrs.slice(from, -5);
  let losses = recorder.losses.slice(from, -5);
  const firstNaN = losses.findIndex(Number.isNaN);
  if (firstNaN >= 0) [lrs, losses] = [lrs.slice(0, firstNaN), losses.slice(0, firstNaN)];

  const funcs: Record<string, SuggestFn> = { ...SUGGESTIONS, ...options.suggest };
  const suggestions: Record<string, number> = {};
  const points: Record<string, LrPoint> = {};
  for (const [name, fn] of Object.entries(funcs)) {
    const { lr, point } = fn(lrs, losses, numIt);
    suggestions[name] = lr;
    points[name] = point;
  }
  if (options.plot) await recorder.plotLrFind(options.plot, points);
  const { valley, minimum, steep, slide } = suggestions;
  return { valley, minimum, steep, slide, suggestions, points, lrs, losses };
}
