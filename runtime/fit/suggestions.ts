import { interp, type LrPoint } from '../../plugin-sdk/index.ts';

/**
 * The LR finder's suggestion functions (fastai's `valley`, `slide`, `minimum`, `steep`), on the smoothed
 * losses `losses[i]` recorded at `lrs[i]` (increasing). Each returns the suggested lr and the point to mark
 * on the chart. Empty input (or too few points for a function) gives NaN.
 */
export interface Suggestion {
  lr: number;
  point: LrPoint;
}

export type SuggestFn = (lrs: readonly number[], losses: readonly number[], numIt: number) => Suggestion;

const none: Suggestion = { lr: Number.NaN, point: { lr: Number.NaN, loss: Number.NaN } };

function argmin(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] < xs[best]) best = i;
  return best;
}

/** The loss at the lr closest to `lr` (fastai marks points this way). */
function lossNear(lrs: readonly number[], losses: readonly number[], lr: number): number {
  return losses[argmin(lrs.map((x) => Math.abs(x - lr)))];
}

/**
 * fastai's `valley`: finds the longest strictly decreasing subsequence of the losses (the first maximal end
 * wins) and suggests the lr at index `start + trunc(d/3) + trunc(d/6)` with `d = end − start`, about halfway
 * down the valley. tapfit takes `start = end − lds[end] + 1`, the run's true first index; fastai takes
 * `end − lds[end]`, one before it (which is `−1`, i.e. the last lr, when the run starts at index 0).
 */
export const valley: SuggestFn = (lrs, losses) => {
  const n = losses.length;
  if (n === 0) return none;
  const lds = new Array<number>(n).fill(1);
  let maxStart = 0;
  let maxEnd = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[maxEnd] < lds[i]) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd] + 1;
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  const idx = maxStart + Math.trunc(sections) + Math.trunc(sections / 2);
  return { lr: lrs[idx], point: { lr: lrs[idx], loss: losses[idx] } };
};

export interface SlideOptions {
  lrDiff?: number;
  thresh?: number;
  adjustValue?: number;
}

/**
 * fastai's `slide`: walks a window of `lrDiff` points left from the end until the loss gradients at its two
 * ends differ by at most `thresh`. With fewer than `lrDiff + 1` points fastai fails with an index error;
 * tapfit clamps the window's left end to the first point.
 */
export function slideWith({ lrDiff = 15, thresh = 0.005, adjustValue = 1 }: SlideOptions = {}): SuggestFn {
  return (lrs, losses) => {
    const n = losses.length;
    if (n === 0) return none;
    const grad = gradient(losses);
    let r = n - 1;
    let l = Math.max(r - lrDiff, 0);
    let candidate = lrs[l];
    while (l >= 0 && Math.abs(grad[r] - grad[l]) > thresh) {
      candidate = lrs[l];
      r -= 1;
      l -= 1;
    }
    const lr = candidate * adjustValue;
    return { lr, point: { lr, loss: interp(Math.log10(lr), lrs.map(Math.log10), losses) } };
  };
}

export const slide: SuggestFn = Object.defineProperty(slideWith(), 'name', { value: 'slide' });

/** fastai's `minimum`: a tenth of the lr where the smoothed loss is lowest. */
export const minimum: SuggestFn = (lrs, losses) => {
  if (losses.length === 0) return none;
  const lr = lrs[argmin(losses)];
  return { lr: lr / 10, point: { lr, loss: lossNear(lrs, losses, lr) } };
};

/** fastai's `steep`: the lr where the loss falls fastest against log(lr). */
export const steep: SuggestFn = (lrs, losses) => {
  if (losses.length < 2) return none;
  const grads = losses.slice(1).map((loss, i) => (loss - losses[i]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i])));
  const lr = lrs[argmin(grads)];
  return { lr, point: { lr, loss: lossNear(lrs, losses, lr) } };
};

export const SUGGESTIONS = { valley, minimum, steep, slide } as const;
export type SuggestionName = keyof typeof SUGGESTIONS;

/** numpy's `gradient` with unit spacing: central differences inside, one-sided at the ends. */
export function gradient(ys: readonly number[]): number[] {
  const n = ys.length;
  if (n < 2) return ys.map(() => 0);
  return ys.map((_, i) => (i === 0 ? ys[1] - ys[0] : i === n - 1 ? ys[n - 1] - ys[n - 2] : (ys[i + 1] - ys[i - 1]) / 2));
}
