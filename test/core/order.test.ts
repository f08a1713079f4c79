import { describe, expect, it } from 'vitest';
import { resolveOrder, type Orderable } from '../../runtime/plugin-host/resolve-order.ts';
import { Rng } from '../../runtime/data/rng.ts';
import { TapfitError } from '../../plugin-sdk/index.ts';

const names = (xs: Orderable[]) => xs.map((x) => x.name);

describe('resolveOrder', () => {
  it('honours runBefore/runAfter over order', () => {
    const items = [
      { name: 'a', order: -5, runAfter: ['b'] },
      { name: 'b', order: 10 },
      { name: 'c', order: 0, runBefore: ['b'] },
    ];
    expect(names(resolveOrder(items))).toEqual(['c', 'b', 'a']);
  });

  it('breaks ties by order, then insertion', () => {
    const items = [{ name: 'x', order: 60 }, { name: 'y', order: 50 }, { name: 'z', order: 60 }, { name: 'w' }];
    expect(names(resolveOrder(items))).toEqual(['w', 'y', 'x', 'z']);
  });

  it("reproduces fastcore's sort_by_run example [A(run_after=B), B, C(run_before=B)] → [C, B, A]", () => {
    expect(names(resolveOrder([{ name: 'A', runAfter: ['B'] }, { name: 'B' }, { name: 'C', runBefore: ['B'] }]))).toEqual(['C', 'B', 'A']);
  });

  it('ignores constraints naming absent plugins', () => {
    expect(names(resolveOrder([{ name: 'a', runAfter: ['ghost'] }, { name: 'b', runBefore: ['nobody'] }]))).toEqual(['a', 'b']);
  });

  it('names the members of a cycle', () => {
    const items = [{ name: 'ok' }, { name: 'p', runAfter: ['q'] }, { name: 'q', runAfter: ['r'] }, { name: 'r', runAfter: ['p'] }];
    let error: unknown;
    try {
      resolveOrder(items);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TapfitError);
    expect((error as TapfitError).code).toBe('E_ORDER_CYCLE');
    expect((error as Error).message).toMatch(/cycle/);
    for (const n of ['p', 'q', 'r']) expect((error as Error).message).toContain(n);
    expect((error as Error).message).not.toContain('ok');
  });

  it('refuses two plugins with one name', () => {
    expect(() => resolveOrder([{ name: 'a' }, { name: 'a' }])).toThrow(/two plugins are named "a"/);
  });

  it('matches a brute-force search on 100 random constraint sets', () => {
    const rng = new Rng(7);
    const pick = (n: number) => Math.floor(rng.next() * n);
    for (let trial = 0; trial < 100; trial++) {
      const n = 2 + pick(5);
      const items: Orderable[] = Array.from({ length: n }, (_, i) => ({ name: `p${i}`, order: pick(3) - 1, runBefore: [] as string[], runAfter: [] as string[] }));
      const nEdges = pick(n + 1);
      for (let e = 0; e < nEdges; e++) {
        const a = pick(n);
        const b = pick(n);
        if (a !== b) (rng.next() < 0.5 ? (items[a].runBefore as string[]) : (items[a].runAfter as string[])).push(`p${b}`);
      }
      const best = bruteForce(items);
      if (best === null) {
        expect(() => resolveOrder(items)).toThrow(/cycle/);
      } else {
        expect(names(resolveOrder(items))).toEqual(best);
      }
    }
  });
});

function satisfies(perm: Orderable[]): boolean {
  const pos = new Map(perm.map((p, i) => [p.name, i]));
  return perm.every(
    (p, i) => (p.runBefore ?? []).every((n) => (pos.get(n) ?? Infinity) > i) && (p.runAfter ?? []).every((n) => (pos.get(n) ?? -1) < i),
  );
}

/** The valid permutation that is smallest, position by position, by (order, insertion index). */
function bruteForce(items: Orderable[]): string[] | null {
  const key = (p: Orderable) => [p.order ?? 0, items.indexOf(p)];
  let best: Orderable[] | null = null;
  const less = (a: Orderable[], b: Orderable[]) => {
    for (let i = 0; i < a.length; i++) {
      const [ka, kb] = [key(a[i]), key(b[i])];
      if (ka[0] !== kb[0]) return ka[0] < kb[0];
      if (ka[1] !== kb[1]) return ka[1] < kb[1];
    }
    return false;
  };
  const permute = (rest: Orderable[], acc: Orderable[]) => {
    if (rest.length === 0) {
      if (satisfies(acc) && (best === null || less(acc, best))) best = [...acc];
      return;
    }
    rest.forEach((x, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, x]));
  };
  permute(items, []);
  return best === null ? null : names(best);
}
