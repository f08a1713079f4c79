/**
 * A data loader that takes every batch with `gather` over a `range` of indices instead of `slice`: the same
 * batches as tapfit's `TensorDataLoader` without shuffling, but O(batch) on `wasm`, where the stock `Slice`
 * kernel first copies the whole source tensor out of the wasm heap. Used by the benchmarks to show what that
 * costs (`(c′)` in benchmark 1, the loader rows of benchmark 5); `TensorDataLoader` now takes its batches the same way, and this stays as a reference.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, DataLoader } from '../plugin-sdk/index.ts';
import { DataLoaders } from '../runtime/data/dataloaders.ts';

export class GatherDataLoader implements DataLoader {
  private readonly nItems: number;

  constructor(
    readonly tensors: readonly tf.Tensor[],
    readonly batchSize: number,
  ) {
    this.nItems = tensors[0].shape[0];
  }

  get length(): number {
    return Math.ceil(this.nItems / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<Batch> {
    for (let start = 0; start < this.nItems; start += this.batchSize) {
      const end = Math.min(start + this.batchSize, this.nItems);
      yield tf.tidy(() => {
        const idx = tf.range(start, end, 1, 'int32');
        return this.tensors.map((t) => tf.gather(t, idx));
      });
    }
  }
}

export function gatherDls(train: readonly tf.Tensor[], valid: readonly tf.Tensor[], batchSize: number): DataLoaders {
  return new DataLoaders(new GatherDataLoader(train, batchSize), new GatherDataLoader(valid, batchSize));
}
