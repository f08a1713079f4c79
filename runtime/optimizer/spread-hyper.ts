import { TapfitError, type HyperSlice } from '../../plugin-sdk/index.ts';

/** fastai's `even_mults`: `n` values from `start` to `end`, evenly spaced on a log scale. */
export function evenMults(start: number, end: number, n: number): number[] {
  if (n === 1) return [end];
  const step = (end / start) ** (1 / (n - 1));
  return Array.from({ length: n }, (_, i) => start * step ** i);
}

function isSlice(value: unknown): value is HyperSlice {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'end' in value;
}

/**
 * fastai's `set_hyper` normalisation: one value per group from a scalar, a list (length 1 or one per
 * group), or a slice `{ start?, end }` (`start` given: log-spaced `start…end`; else `end/10` for all
 * groups but the last, which gets `end`).
 */
export function spreadHyper(name: string, value: number | readonly number[] | HyperSlice, nGroups: number): number[] {
  let values: readonly number[];
  if (isSlice(value)) {
    values = value.start
      ? evenMults(value.start, value.end, nGroups)
      : [...Array<number>(Math.max(nGroups - 1, 0)).fill(value.end / 10), value.end];
  } else {
    values = typeof value === 'number' ? [value] : value;
  }
  if (values.length === 1) return Array<number>(nGroups).fill(values[0]);
  if (values.length !== nGroups) {
    throw new TapfitError(
      'E_OPTIMIZER',
      `setHyper("${name}") got ${values.length} values for ${nGroups} parameter groups (give one value, or one per group)`,
    );
  }
  return [...values];
}
