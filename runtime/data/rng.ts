import { SeededRandom } from '../../plugin-sdk/index.ts';

/** The data loaders' seedable PRNG: the SDK's mulberry32 (one integer of state, so it can be checkpointed) with shuffling. */
export class Rng extends SeededRandom {
  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = identityOrder(n);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

/** 0..n-1 in order. */
export function identityOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}
