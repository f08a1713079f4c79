import { TapfitError, type HyperSlice } from '../../plugin-sdk/index.ts';

/**
 * The largest learning rate tapfit accepts. fastai's lr_find sweeps up to 10 and no optimizer trains above
 * that; at 1e3 an Adam step already moves every weight by about 1e3, and a couple of such steps square into
 * float32's overflow (3.4e38) in the next forward pass. A larger value is a typo (`1e30` for `1e-3`), not a setting.
 */
export const MAX_LR = 1e3;

const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

function bad(name: string, expected: string, value: unknown): never {
  throw new TapfitError('E_CONFIG', `${name}: expected ${expected}, got ${shown(value)}`);
}

/** A count of epochs, cycles, batches: an integer ≥ `min` (1 by default). */
export function checkCount(name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    bad(name, min === 1 ? 'a positive integer' : `an integer ≥ ${min}`, value);
  }
  return value as number;
}

/** A positive finite number (a divisor, a cycle length). */
export function checkPositive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) bad(name, 'a positive finite number', value);
  return value as number;
}

/** A finite number ≥ 0 (weight decay). */
export function checkNonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) bad(name, 'a finite number ≥ 0', value);
  return value as number;
}

/** A number in [0, 1] (a fraction, a momentum). */
export function checkFraction(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) bad(name, 'a number in [0, 1]', value);
  return value as number;
}

/** A learning rate: finite, > 0 and ≤ `MAX_LR`. */
export function checkLr(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_LR) {
    bad(name, `a learning rate: a number > 0 and ≤ ${MAX_LR}`, value);
  }
  return value as number;
}

/** A learning rate as the fit variants take it: one number, one per group, or `{ start?, end }`. */
export function checkLrSpec(name: string, value: number | readonly number[] | HyperSlice | undefined): void {
  if (value === undefined) return;
  if (typeof value === 'number') checkLr(name, value);
  else if (Array.isArray(value)) value.forEach((v, i) => checkLr(`${name}[${i}]`, v));
  else if (typeof value === 'object' && value !== null) {
    const slice = value as HyperSlice;
    checkLr(`${name}.end`, slice.end);
    if (slice.start !== undefined) checkLr(`${name}.start`, slice.start);
  } else bad(name, 'a learning rate, one per parameter group, or { start, end }', value);
}

/** The three momentums of a one-cycle (`moms`). */
export function checkMoms(name: string, value: unknown): void {
  if (!Array.isArray(value) || value.length !== 3) bad(name, '[momStart, momMid, momEnd]', value);
  (value as number[]).forEach((v, i) => checkFraction(`${name}[${i}]`, v));
}
