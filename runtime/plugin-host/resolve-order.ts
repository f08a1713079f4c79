import { TapfitError } from '../../plugin-sdk/index.ts';

/** Anything ordered by name with fastai-style `order` and tapfit's `runBefore`/`runAfter`. */
export interface Orderable {
  readonly name: string;
  order?: number;
  runBefore?: readonly string[];
  runAfter?: readonly string[];
}

/**
 * Topological order: `runBefore`/`runAfter` are hard constraints; among items free to go next, the lowest
 * `order` (default 0) goes first, then the earliest inserted. A constraint naming an absent item is
 * ignored here ({@link danglingReferences} lists them). A cycle throws `E_ORDER_CYCLE` naming its members.
 */
export function resolveOrder<T extends Orderable>(items: readonly T[], kind = 'plugin'): T[] {
  const index = new Map<string, number>();
  items.forEach((item, i) => {
    if (index.has(item.name)) {
      throw new TapfitError('E_PLUGIN_INVALID', `two ${kind}s are named "${item.name}": names must be unique`);
    }
    index.set(item.name, i);
  });
  const successors: number[][] = items.map(() => []);
  const inDegree = items.map(() => 0);
  const addEdge = (from: number, to: number) => {
    successors[from].push(to);
    inDegree[to]++;
  };
  items.forEach((item, i) => {
    for (const name of item.runBefore ?? []) {
      const j = index.get(name);
      if (j !== undefined && j !== i) addEdge(i, j);
    }
    for (const name of item.runAfter ?? []) {
      const j = index.get(name);
      if (j !== undefined && j !== i) addEdge(j, i);
    }
  });

  const before = (a: number, b: number) => {
    const oa = items[a].order ?? 0;
    const ob = items[b].order ?? 0;
    return oa !== ob ? oa < ob : a < b;
  };
  const ready = items.map((_, i) => i).filter((i) => inDegree[i] === 0);
  const result: T[] = [];
  while (ready.length > 0) {
    let best = 0;
    for (let k = 1; k < ready.length; k++) if (before(ready[k], ready[best])) best = k;
    const [next] = ready.splice(best, 1);
    result.push(items[next]);
    for (const s of successors[next]) if (--inDegree[s] === 0) ready.push(s);
  }
  if (result.length < items.length) {
    const cycle = findCycle(successors, inDegree).map((i) => items[i].name);
    throw new TapfitError(
      'E_ORDER_CYCLE',
      `${kind} order has a cycle: ${[...cycle, cycle[0]].join(' → ')} (check their runBefore/runAfter)`,
    );
  }
  return result;
}

/** One cycle among the nodes that Kahn's algorithm could not place (those with inDegree > 0). */
function findCycle(successors: number[][], inDegree: number[]): number[] {
  const stuck = (i: number) => inDegree[i] > 0;
  const state = new Map<number, 'open' | 'done'>();
  const path: number[] = [];
  const visit = (i: number): number[] | null => {
    state.set(i, 'open');
    path.push(i);
    for (const s of successors[i]) {
      if (!stuck(s)) continue;
      if (state.get(s) === 'open') return path.slice(path.indexOf(s));
      if (!state.has(s)) {
        const found = visit(s);
        if (found) return found;
      }
    }
    path.pop();
    state.set(i, 'done');
    return null;
  };
  for (let i = 0; i < inDegree.length; i++) {
    if (stuck(i) && !state.has(i)) {
      const found = visit(i);
      if (found) return found;
    }
  }
  return [];
}

/** A `runBefore`/`runAfter` entry that names no item of the set. */
export interface DanglingReference {
  from: string;
  key: 'runBefore' | 'runAfter';
  name: string;
}

/** The order constraints that name an item absent from `items`: a typo, or a plugin that is not loaded. */
export function danglingReferences(items: readonly Orderable[]): DanglingReference[] {
  const names = new Set(items.map((i) => i.name));
  const out: DanglingReference[] = [];
  for (const item of items) {
    for (const key of ['runBefore', 'runAfter'] as const) {
      for (const name of item[key] ?? []) if (!names.has(name)) out.push({ from: item.name, key, name });
    }
  }
  return out;
}
