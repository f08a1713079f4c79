import * as tf from '@tensorflow/tfjs';
import { TapfitError, type Batch, type DataLoader, type DataLoaders as DataLoadersShape } from '../../plugin-sdk/index.ts';
import { identityOrder, Rng } from './rng.ts';

export interface LoaderOptions {
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
}

/**
 * Batches over in-memory tensors (first dimension = items). The last partial batch is kept.
 * With `shuffle`, each pass draws a new permutation from a seeded RNG, whose state is checkpointable.
 */
export class TensorDataLoader implements DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  private readonly rng: Rng;
  private readonly nItems: number;

  constructor(readonly tensors: readonly tf.Tensor[], options: LoaderOptions = {}) {
    if (tensors.length === 0) throw new TapfitError('E_DATA', 'a data loader needs at least one tensor');
    this.nItems = tensors[0].shape[0];
    if (!(this.nItems >= 1)) throw new TapfitError('E_DATA', `a data loader needs at least one item, got tensors of shape [${tensors[0].shape}]`);
    for (const t of tensors) {
      if (t.shape[0] !== this.nItems) {
        throw new TapfitError('E_DATA', `all tensors of a data loader must have the same first dimension: got ${tensors.map((x) => x.shape[0]).join(' vs ')}`);
      }
    }
    this.batchSize = options.batchSize ?? 64;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new TapfitError('E_DATA', `batchSize must be a positive integer, got ${this.batchSize}`);
    this.shuffle = options.shuffle ?? false;
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) throw new TapfitError('E_DATA', `seed must be an integer, got ${options.seed}`);
    this.rng = new Rng(options.seed ?? 42);
  }

  get length(): number {
    return Math.ceil(this.nItems / this.batchSize);
  }

  get size(): number {
    return this.nItems;
  }

  /**
   * Batches are taken with `gather`, shuffled or not: wasm's `Slice` copies its whole input out of the heap,
   * which would make each batch cost O(dataset) (see bench/RESULTS.md, data loading).
   */
  *[Symbol.iterator](): Iterator<Batch> {
    const order = this.shuffle ? this.rng.permutation(this.nItems) : identityOrder(this.nItems);
    for (let start = 0; start < this.nItems; start += this.batchSize) {
      const end = Math.min(start + this.batchSize, this.nItems);
      yield tf.tidy(() => {
        const idx = tf.tensor1d(order.subarray(start, end), 'int32');
        return this.tensors.map((t) => tf.gather(t, idx));
      });
    }
  }

  stateDict(): { rngState: number } {
    return { rngState: this.rng.state };
  }

  loadStateDict(state: unknown): void {
    const s = state as { rngState?: unknown };
    if (typeof s?.rngState !== 'number') throw new TapfitError('E_CHECKPOINT', 'data loader state lacks a numeric rngState');
    this.rng.state = s.rngState;
  }

  dispose(): void {
    for (const t of this.tensors) t.dispose();
  }
}

/** fastai's `DataLoaders`: a training and a validation loader. */
export class DataLoaders implements DataLoadersShape {
  constructor(
    readonly train: DataLoader,
    readonly valid: DataLoader,
    readonly nInp?: number,
  ) {
    if (nInp !== undefined && (!Number.isInteger(nInp) || nInp < 1)) {
      throw new TapfitError('E_DATA', `nInp (the number of input tensors in a batch) must be a positive integer, got ${nInp}`);
    }
  }

  /** Train loader shuffles (seeded), validation loader does not; tensors are owned by the loaders. */
  static fromTensors(
    data: { train: readonly tf.Tensor[]; valid: readonly tf.Tensor[] },
    options: LoaderOptions & { validBatchSize?: number; nInp?: number } = {},
  ): DataLoaders {
    const train = new TensorDataLoader(data.train, { ...options, shuffle: options.shuffle ?? true });
    const valid = new TensorDataLoader(data.valid, {
      batchSize: options.validBatchSize ?? options.batchSize,
      shuffle: false,
    });
    return new DataLoaders(train, valid, options.nInp);
  }

  dispose(): void {
    (this.train as Partial<TensorDataLoader>).dispose?.();
    (this.valid as Partial<TensorDataLoader>).dispose?.();
  }
}
