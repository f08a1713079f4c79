import { SeededRandom } from '../../plugin-sdk/index.ts';

/** The data loaders' seedable PRNG: the SDK's mulberry32 (one integer of state, so it can be checkpointed; `permutation` shuffles). */
export class Rng extends SeededRandom {}

/** 0..n-1 in order. */
export function identityOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}
