import * as tf from '@tensorflow/tfjs';
import { TapfitError, type Batch, type DataLoader, type DataLoaders } from '../../plugin-sdk/index.ts';

export interface LMLoaderOptions {
  /** Rows per batch: the stream is cut into this many contiguous pieces; default 64. */
  batchSize?: number;
  /** Tokens per row per batch (the BPTT length); default 72 as in fastai. */
  seqLen?: number;
}

/**
 * fastai's `LMDataLoader` over one token stream: the stream (less the token kept for the last target) is cut
 * into `batchSize` contiguous rows of `bl = ⌊(n − 1)/batchSize⌋` tokens, and batch `t` takes columns
 * `[t·seqLen, (t+1)·seqLen)` of every row, so row `i` of batch `t + 1` continues row `i` of batch `t` — what a
 * stateful RNN needs to carry its hidden state across batches. The last batch is shorter when `seqLen` does not
 * divide `bl`. Each batch is `[x, y]`, int32 (batchSize × seqLen), with `y` the stream shifted by one token.
 */
export class LMDataLoader implements DataLoader {
  readonly batchSize: number;
  readonly seqLen: number;
  /** Tokens per row (fastai's `bl`). */
  readonly rowLength: number;

  constructor(
    readonly tokens: Int32Array,
    options: LMLoaderOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 64;
    this.seqLen = options.seqLen ?? 72;
    for (const [key, value] of [['batchSize', this.batchSize], ['seqLen', this.seqLen]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new TapfitError('E_DATA', `LMDataLoader: ${key} must be a positive integer, got ${value}`);
    }
    this.rowLength = Math.floor((tokens.length - 1) / this.batchSize);
    if (this.rowLength < 1) {
      throw new TapfitError('E_DATA', `LMDataLoader: ${tokens.length} tokens are too few for ${this.batchSize} rows (need at least ${this.batchSize + 1})`);
    }
  }

  get length(): number {
    return Math.ceil(this.rowLength / this.seqLen);
  }

  /** Input and target ids of batch `t`, row-major (batchSize × its seqLen). */
  batchArrays(t: number): { x: Int32Array; y: Int32Array; seqLen: number } {
    if (!(t >= 0 && t < this.length)) throw new TapfitError('E_DATA', `LMDataLoader: batch ${t} out of range 0..${this.length - 1}`);
    const sl = Math.min(this.seqLen, this.rowLength - t * this.seqLen);
    const x = new Int32Array(this.batchSize * sl);
    const y = new Int32Array(this.batchSize * sl);
    for (let i = 0; i < this.batchSize; i++) {
      const start = i * this.rowLength + t * this.seqLen;
      x.set(this.tokens.subarray(start, start + sl), i * sl);
      y.set(this.tokens.subarray(start + 1, start + sl + 1), i * sl);
    }
    return { x, y, seqLen: sl };
  }

  *[Symbol.iterator](): Iterator<Batch> {
    for (let t = 0; t < this.length; t++) {
      const { x, y, seqLen } = this.batchArrays(t);
      yield [tf.tensor2d(x, [this.batchSize, seqLen], 'int32'), tf.tensor2d(y, [this.batchSize, seqLen], 'int32')];
    }
  }
}

/**
 * Language-model data: the token stream split into a training part and, as its last `validPct`, a validation
 * part (the book's 80/20 split of human numbers), each served by an `LMDataLoader`. Neither is shuffled:
 * the batch layout is what carries state from one batch to the next.
 */
export class LMDataLoaders implements DataLoaders {
  readonly nInp = 1;
  constructor(
    readonly train: LMDataLoader,
    readonly valid: LMDataLoader,
  ) {}

  static fromTokens(tokens: Int32Array, options: LMLoaderOptions & { validPct?: number; validBatchSize?: number } = {}): LMDataLoaders {
    const validPct = options.validPct ?? 0.2;
    if (!(validPct > 0 && validPct < 1)) throw new TapfitError('E_DATA', `LMDataLoaders: validPct must be in (0, 1), got ${validPct}`);
    const cut = Math.floor(tokens.length * (1 - validPct));
    return new LMDataLoaders(
      new LMDataLoader(tokens.subarray(0, cut), options),
      new LMDataLoader(tokens.subarray(cut), { ...options, batchSize: options.validBatchSize ?? options.batchSize }),
    );
  }
}
