import { describe, expect, it } from 'vitest';
import {
  combinedCos,
  combineScheds,
  oneCycleScheds,
  schedCos,
  schedExp,
  schedLin,
  schedNo,
  schedPoly,
  type Schedule,
} from '../../plugin-sdk/index.ts';
import * as tapfit from '../../runtime/index.ts';

const POS = [0, 0.25, 0.5, 0.75, 1];
const f32 = Math.fround;

function expectClose(actual: number, expected: number, tol: number) {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

function expectAllClose(actual: readonly number[], expected: readonly number[], tol: number) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expectClose(a, expected[i], tol));
}

/** What fastai's combine_scheds computes for the local position: boundaries and arithmetic in float32. */
function localPos(pos: number, from: number, to: number): number {
  return f32(f32(f32(pos) - f32(from)) / f32(f32(to) - f32(from)));
}

describe('annealers (spec §4.1) equal their formulas', () => {
  const grid = Array.from({ length: 21 }, (_, i) => i / 20);
  it('schedLin, schedCos, schedNo, schedExp, schedPoly at 21 positions (1e-12)', () => {
    for (const p of grid) {
      expectClose(schedLin(0.3, 2)(p), 0.3 + p * (2 - 0.3), 1e-12);
      expectClose(schedCos(0.3, 2)(p), 0.3 + ((1 + Math.cos(Math.PI * (1 - p))) * (2 - 0.3)) / 2, 1e-12);
      expect(schedNo(0.3, 2)(p)).toBe(0.3);
      expectClose(schedExp(1e-7, 10)(p), 1e-7 * (10 / 1e-7) ** p, 1e-12);
      expectClose(schedPoly(0.3, 2, 3)(p), 0.3 + (2 - 0.3) * p ** 3, 1e-12);
    }
  });

  it('TC14: values at [0, .25, .5, .75, 1]', () => {
    expectAllClose(POS.map(schedLin(0, 2)), [0, 0.5, 1, 1.5, 2], 1e-12);
    expectAllClose(POS.map(schedCos(0, 2)), [0, 0.29289, 1, 1.70711, 2], 1e-5);
    expectAllClose(POS.map(schedNo(0, 2)), [0, 0, 0, 0, 0], 0);
    expectAllClose(POS.map(schedExp(1, 2)), [1, 1.18921, 1.41421, 1.68179, 2], 1e-5);
    expectAllClose(POS.map(schedPoly(0, 2, 2)), [0, 0.125, 0.5, 1.125, 2], 1e-12);
  });

  it('work elementwise on per-group arrays, broadcasting a number', () => {
    expect(schedLin([0, 10], [2, 20])(0.25)).toEqual([0.5, 12.5]);
    expect(schedLin(0, [2, 4])(0.5)).toEqual([1, 2]);
    expect(() => schedLin([0, 1], [1, 2, 3])).toThrow(/different lengths/);
  });
});

describe('combined schedules (spec §4.2)', () => {
  it('TC15: combineScheds([.3,.2,.5], [lin(0,1), no(1,1), cos(1,0)])', () => {
    const f = combineScheds([0.3, 0.2, 0.5], [schedLin(0, 1), schedNo(1, 1), schedCos(1, 0)]);
    expectAllClose([0, 0.15, 0.3, 0.4, 0.5, 0.7, 1].map(f), [0, 0.5, 1, 1, 1, 0.65451, 0], 1e-5);
  });

  it('TC15: combinedCos(0.25, 0.5, 1, 0) and its per-group version', () => {
    const at = [0, 0.1, 0.25, 0.5, 1];
    expectAllClose(at.map(combinedCos(0.25, 0.5, 1, 0)), [0.5, 0.67275, 1, 0.75, 0], 1e-5);
    const g = combinedCos(0.25, [0.25, 0.5], [0.5, 1], [0, 0]);
    const expected = [[0.25, 0.5], [0.33638, 0.67275], [0.5, 1], [0.375, 0.75], [0, 0]];
    at.forEach((p, i) => expectAllClose(g(p) as number[], expected[i], 1e-5));
  });

  it('combinedCos(0.25, 1, 10, 1e-4) equals the formula at 0, 0.1, 0.25, 0.5, 1 (1e-9)', () => {
    const f = combinedCos(0.25, 1, 10, 1e-4);
    // pos < 0.25: cosine 1 → 10 at local = pos/0.25; pos ≥ 0.25: cosine 10 → 1e-4 at (pos − 0.25)/0.75,
    // the local position computed in float32 as fastai does.
    const cos = (s: number, e: number, p: number) => s + ((1 + Math.cos(Math.PI * (1 - p))) * (e - s)) / 2;
    const formula = (p: number) => (p < 0.25 ? cos(1, 10, localPos(p, 0, 0.25)) : cos(10, 1e-4, localPos(p, 0.25, 1)));
    for (const p of [0, 0.1, 0.25, 0.5, 1]) expectClose(f(p), formula(p), 1e-9);
    expect(f(0)).toBe(1);
    expect(f(0.25)).toBe(10);
    expectClose(f(1), 1e-4, 1e-15);
    expectClose(f(0.1), cos(1, 10, 0.4), 1e-6); // float32 local position: 0.4 to ~1e-8
  });

  it('picks the last segment at pos = 1, skips zero-width segments, and is NaN on a zero-width last one', () => {
    const seen: string[] = [];
    const tag = (name: string): Schedule<number> => (p) => (seen.push(`${name}@${p}`), p);
    expect(combineScheds([0.5, 0, 0.5], [tag('a'), tag('b'), tag('c')])(0.5)).toBe(0);
    expect(seen).toEqual(['c@0']);
    expect(combineScheds([0.5, 0.5], [tag('a'), tag('b')])(1)).toBe(1);
    expect(combineScheds([1, 0], [schedLin(0, 1), schedLin(5, 6)])(1)).toBeNaN();
  });

  it('refuses pcts that do not sum to 1 or are negative', () => {
    expect(() => combineScheds([0.5, 0.4], [schedNo(0, 0), schedNo(0, 0)])).toThrow(/sum to 1/);
    expect(() => combineScheds([1.5, -0.5], [schedNo(0, 0), schedNo(0, 0)])).toThrow(/≥ 0/);
    expect(() => combineScheds([0.1, 0.2, 0.7], [schedNo(0, 0), schedNo(0, 0), schedNo(0, 0)])).not.toThrow();
  });

  it('deviation 6: a sum within 1e-9 of 1 is accepted ([0.7, 0.2, 0.1] sums to 0.9999999999999999), 1 + 2e-9 is not', () => {
    expect(0.7 + 0.2 + 0.1).not.toBe(1);
    expect(() => combineScheds([0.7, 0.2, 0.1], [schedNo(0, 0), schedNo(0, 0), schedNo(0, 0)])).not.toThrow();
    expect(() => combineScheds([0.5, 0.5 + 2e-9], [schedNo(0, 0), schedNo(0, 0)])).toThrow(/sum to 1/);
  });

  it("boundaries as fastai's float32 cumsum: at [1/7, 2/7, 4/7], pos 3/7 is the end of segment 1, not the start of 2", () => {
    // torch.cumsum(tensor([0, 1/7, 2/7, 4/7])) in float32: 0.14285715, 0.42857146 (> fround(3/7) = 0.42857143).
    const c1 = f32(1 / 7);
    const c2 = f32(c1 + f32(2 / 7));
    expect(c2).toBe(0.4285714626312256);
    expect(f32(3 / 7)).toBeLessThan(c2);
    const local = f32(f32(f32(3 / 7) - c1) / f32(c2 - c1));
    expect(local).toBe(0.9999998211860657);
    const sched = combineScheds([1 / 7, 2 / 7, 4 / 7], [schedCos(0.01, 0), schedCos(0.01, 0), schedCos(0.01, 0)]);
    const atBoundary = sched(3 / 7);
    expect(atBoundary).toBe(0.01 + ((1 + Math.cos(Math.PI * (1 - local))) * -0.01) / 2);
    expectClose(atBoundary, 7.875644580934704e-16, 1e-25); // fastai's value (numpy float32 reproduction)
    expect(sched(1 / 7)).toBe(0.01); // 1/7 itself is on its float32 boundary: the next segment starts
  });

  it("oneCycleScheds matches TC17's lr and mom tables (20 iterations, lrMax 1e-2)", () => {
    const { lr, mom } = oneCycleScheds([1e-2]);
    const lrs: Record<number, number> = { 0: 4e-4, 1: 1.316718e-3, 2: 3.716719e-3, 5: 1e-2, 10: 7.500025e-3, 19: 1.093609e-4 };
    for (const [i, v] of Object.entries(lrs)) expectClose(lr(Number(i) / 20) as number, v, v * 1e-6);
    const moms: Record<number, number> = { 0: 0.95, 1: 0.940451, 5: 0.85, 10: 0.875, 19: 0.948907 };
    for (const [i, v] of Object.entries(moms)) expectClose(mom(Number(i) / 20) as number, v, 1e-6);
  });

  it('are exported from tapfit', () => {
    for (const name of ['schedLin', 'schedCos', 'schedNo', 'schedExp', 'schedPoly', 'combineScheds', 'combinedCos'] as const) {
      expect(typeof tapfit[name]).toBe('function');
    }
  });
});
