import { describe, expect, it } from 'vitest';
import { gradient, minimum, slide, slideWith, steep, valley } from '../../runtime/fit/suggestions.ts';
import { interp } from '../../plugin-sdk/index.ts';

const close = (a: number, b: number, rel = 1e-7) => expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(Math.abs(b) * rel);

describe('TC20 example A (7 points)', () => {
  const lrs = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
  const losses = [2.0, 1.9, 1.5, 1.0, 0.8, 1.2, 3.0];

  it('minimum → 0.01, marked at (0.1, 0.8)', () => {
    // argmin(losses) = 4 → lr 0.1; the suggestion is a tenth of it.
    const { lr, point } = minimum(lrs, losses, 100);
    close(lr, 0.01);
    expect(point).toEqual({ lr: 0.1, loss: 0.8 });
  });

  it('steep → 1e-3, marked at (1e-3, 1.5)', () => {
    // Δloss/Δln(lr) = [−0.1, −0.4, −0.5, −0.2, 0.4, 1.8]/ln 10: steepest at index 2.
    expect(steep(lrs, losses, 100)).toEqual({ lr: 1e-3, point: { lr: 1e-3, loss: 1.5 } });
  });

  it('valley → 1e-4 (fastai: 1e-5 through its off-by-one)', () => {
    // lds = [1,2,3,4,5,4,1]; the longest run ends at 4 (lds 5) and starts at 4 − 5 + 1 = 0 (fastai: −1).
    // d = 4 − 0 = 4: idx = 0 + trunc(4/3) + trunc(4/6) = 0 + 1 + 0 = 1 → lrs[1] = 1e-4, loss 1.9.
    // (fastai: d = 5, idx = −1 + 1 + 0 = 0 → 1e-5.)
    expect(valley(lrs, losses, 100)).toEqual({ lr: 1e-4, point: { lr: 1e-4, loss: 1.9 } });
  });

  it('slide → 1e-5 with the window clamped to 7 points (fastai: index error, n < 16)', () => {
    // gradient = [−0.1, −0.25, −0.45, −0.35, 0.1, 1.1, 1.8]; r = 6, l = max(6 − 15, 0) = 0.
    // |1.8 − (−0.1)| > 0.005 → candidate lrs[0], then l = −1 ends the walk: 1e-5, interpolated loss 2.0.
    expect(slide(lrs, losses, 100)).toEqual({ lr: 1e-5, point: { lr: 1e-5, loss: 2.0 } });
  });
});

describe('TC20 example B (20 points)', () => {
  const lrs = Array.from({ length: 20 }, (_, i) => 10 ** (-6 + 0.25 * i));
  const losses = [2.0, 2.0, 1.99, 1.98, 1.96, 1.93, 1.88, 1.8, 1.7, 1.55, 1.4, 1.25, 1.1, 1.0, 0.95, 0.97, 1.1, 1.4, 2.0, 3.0];

  it('valley → 5.6234133e-5 (fastai: 3.1622777e-5)', () => {
    // losses[1..14] strictly decrease: lds[i] = i for 1 ≤ i ≤ 14, the first maximum (14) is at i = 14.
    // start = 14 − 14 + 1 = 1 (fastai: 0); d = 13: idx = 1 + trunc(13/3) + trunc(13/6) = 1 + 4 + 2 = 7
    // → lrs[7] = 10^−4.25. (fastai: d = 14, idx = 0 + 4 + 2 = 6 → 10^−4.5 = 3.1622777e-5.)
    const { lr, point } = valley(lrs, losses, 100);
    close(lr, 10 ** -4.25);
    close(lr, 5.6234133e-5);
    expect(point.loss).toBe(1.8);
  });

  it('minimum → 3.1622777e-4, marked at (3.1622777e-3, 0.95)', () => {
    // argmin = 14 → lr 10^−2.5 = 3.1622777e-3; suggestion a tenth of it.
    const { lr, point } = minimum(lrs, losses, 100);
    close(lr, 3.1622777e-4);
    close(point.lr, 3.1622777e-3);
    expect(point.loss).toBe(0.95);
  });

  it('steep → 1.7782794e-4, marked at (1.7782794e-4, 1.55)', () => {
    // Four drops of 0.15 tie up to rounding; in float64 the one from index 9 (1.55 → 1.40) is steepest.
    const { lr, point } = steep(lrs, losses, 100);
    close(lr, 1.7782794e-4);
    expect(point).toEqual({ lr, loss: 1.55 });
  });

  it('slide → 1e-6, marked at (1e-6, 2.0): the walk runs past the first point', () => {
    // With 20 points the window fits (same as fastai): r = 19, l = 4, and the gradient ends never get within
    // 0.005 of each other before l drops below 0, so the candidate ends at lrs[0].
    const { lr, point } = slide(lrs, losses, 100);
    close(lr, 1e-6);
    close(point.lr, 1e-6);
    expect(point.loss).toBe(2.0);
  });

  it('slide stops where the gradients match, and applies adjustValue', () => {
    // Flat tail: the gradient is 0 on both window ends from the start, so the candidate is lrs[n−1−lrDiff].
    const flat = Array.from({ length: 20 }, () => 1);
    expect(slideWith({ lrDiff: 15 })(lrs, flat, 100).lr).toBe(lrs[4]);
    close(slideWith({ lrDiff: 15, adjustValue: 0.5 })(lrs, flat, 100).lr, lrs[4] * 0.5);
  });
});

describe('numpy helpers', () => {
  it('gradient: one-sided at the ends, central inside', () => {
    expect(gradient([1, 2, 4, 7])).toEqual([1, 1.5, 2.5, 3]);
  });
  it('interp: linear inside, clamped outside', () => {
    expect(interp(1.5, [1, 2], [10, 20])).toBe(15);
    expect(interp(0, [1, 2], [10, 20])).toBe(10);
    expect(interp(3, [1, 2], [10, 20])).toBe(20);
  });
  it('empty curves give NaN instead of throwing', () => {
    for (const fn of [valley, slide, minimum, steep]) expect(fn([], [], 100).lr).toBeNaN();
  });
});
