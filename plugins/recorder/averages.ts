import * as tf from '@tensorflow/tfjs';
import type { Metric } from '../../plugin-sdk/index.ts';

/**
 * fastai's `AvgSmoothLoss`: an exponential moving average of the batch losses, debiased like Adam's
 * moments: `val = β·val + (1 − β)·loss`, `value = val / (1 − β^count)`.
 */
export class SmoothLoss {
  count = 0;
  val = 0;
  constructor(readonly beta = 0.98) {}

  add(loss: number): void {
    this.count += 1;
    this.val = this.beta * this.val + (1 - this.beta) * loss;
  }

  get value(): number | null {
    return this.count === 0 ? null : this.val / (1 - this.beta ** this.count);
  }

  reset(): void {
    this.count = 0;
    this.val = 0;
  }
}

/**
 * fastai's `AvgLoss` and `AvgMetric` together: per batch, `value·bs` is added to a running sum (`bs` = first
 * dimension of the first target), and the means are `sum / Σbs`. The sums stay on the device: a whole
 * phase costs one GPU→CPU read, in `read()`.
 */
export class WeightedMeans {
  private sums: tf.Tensor1D | null = null;
  private count = 0;

  constructor(
    private readonly withLoss: boolean,
    private readonly metrics: readonly Metric[],
  ) {}

  get size(): number {
    return (this.withLoss ? 1 : 0) + this.metrics.length;
  }

  /** Adds one batch (`loss` is needed when built `withLoss`). */
  add(loss: tf.Tensor | null, pred: tf.Tensor, yb: readonly tf.Tensor[]): void {
    if (this.size === 0) return;
    const bs = yb[0]?.shape[0] ?? pred.shape[0] ?? 1;
    const next = tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      if (this.withLoss) parts.push(tf.mul(tf.mean(loss!), bs));
      for (const metric of this.metrics) {
        const value = metric.fn(pred, ...yb);
        parts.push(typeof value === 'number' ? tf.scalar(value * bs) : tf.mul(tf.mean(value), bs));
      }
      const batch = tf.stack(parts) as tf.Tensor1D;
      return this.sums ? (tf.add(this.sums, batch) as tf.Tensor1D) : batch;
    });
    this.sums?.dispose();
    this.sums = tf.keep(next);
    this.count += bs;
  }

  /** `[loss?, ...metrics]` means over the batches added (each metric `finalize`d), or nulls if none. */
  read(): (number | null)[] {
    if (!this.sums || this.count === 0) return Array.from({ length: this.size }, () => null);
    const sums = this.sums.dataSync();
    const offset = this.withLoss ? 1 : 0;
    return Array.from(sums, (sum, i) => {
      const mean = sum / this.count;
      const finalize = i >= offset ? this.metrics[i - offset].finalize : undefined;
      return finalize ? finalize(mean) : mean;
    });
  }

  dispose(): void {
    this.sums?.dispose();
    this.sums = null;
    this.count = 0;
  }
}
