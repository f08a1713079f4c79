import type * as TfModule from '@tensorflow/tfjs';
import { TapfitError } from './errors.ts';
import { lossInfo } from './losses.ts';
import { definePlugin } from './plugin.ts';
import { tf } from './tf.ts';
import type { Learner, Plugin } from './types.ts';

type Tensor = TfModule.Tensor;

export interface GatherPredsOptions {
  /** Keep the inputs too (fastai's `with_input`). */
  withInput?: boolean;
  /** Keep the per-item losses (fastai's `with_loss`; needs a loss with a per-item form). */
  withLoss?: boolean;
  /** Sum loss and metrics weighted by batch size, for `validate` (fastai's AvgLoss/AvgMetric). */
  withMetrics?: boolean;
}

/** What a gather-preds pass collected, concatenated over the batches (the caller owns the tensors). */
export interface GatheredPreds {
  preds: Tensor | null;
  targets: Tensor[];
  inputs: Tensor[];
  losses: Tensor | null;
  /** `[loss, ...metrics]` means over the pass, weighted by batch size (only `withMetrics`). */
  means: number[] | null;
}

export type GatherPredsPlugin = Plugin & {
  /** Concatenates what was gathered and hands it over (the plugin keeps nothing). */
  result(): GatheredPreds;
  /** Disposes what was gathered and not taken. */
  release(): void;
};

/**
 * fastai's `GatherPredsCallback`: on every batch of a validation pass it keeps the prediction, the targets
 * and optionally the inputs and per-item losses, all on the device; `result()` concatenates them. With
 * `withMetrics` it also sums the loss and the learner's metrics weighted by batch size, as the recorder does.
 * `learn.getPreds`, `learn.validate` and `learn.predict` drive it.
 */
export function gatherPreds(options: GatherPredsOptions = {}): GatherPredsPlugin {
  let preds: Tensor[] = [];
  let targets: Tensor[][] = [];
  let inputs: Tensor[][] = [];
  let losses: Tensor[] = [];
  let sums: Tensor | null = null;
  let count = 0;
  let finalize: ((mean: number) => number)[] = [];
  const keep = (t: Tensor) => tf.keep(t.clone());
  const release = () => {
    for (const t of [...preds, ...targets.flat(), ...inputs.flat(), ...losses]) t.dispose();
    sums?.dispose();
    preds = [];
    targets = [];
    inputs = [];
    losses = [];
    sums = null;
    count = 0;
  };
  const concat = (parts: Tensor[]): Tensor | null => {
    if (parts.length === 0) return null;
    if (parts.length === 1) return parts[0].clone();
    const inner = (t: Tensor) => t.shape.slice(1).join();
    if (parts.every((t) => inner(t) === inner(parts[0]))) return tf.concat(parts, 0);
    // Batches of different shapes past the first axis (an LM's shorter last sequence): items become the
    // positions, as fastai's `to_concat` falls back to items; a shared last axis (classes) is kept.
    const last = (t: Tensor) => t.shape[t.rank - 1];
    const keepLast = parts.every((t) => t.rank >= 3 && last(t) === last(parts[0]));
    return tf.tidy(() => tf.concat(parts.map((t) => (keepLast ? t.reshape([-1, last(t)]) : t.reshape([-1]))), 0));
  };
  const plugin = definePlugin({
    name: 'gather-preds',
    order: 100,
    runTrain: false,
    beforeValidate(learn: Learner) {
      release();
      finalize = learn.metrics.map((m) => m.finalize ?? ((x: number) => x));
    },
    afterBatch(learn: Learner) {
      const pred = Array.isArray(learn.pred) ? learn.pred[0] : learn.pred;
      if (!pred) return;
      preds.push(keep(pred));
      targets.push(learn.yb.map(keep));
      if (options.withInput) inputs.push(learn.xb.map(keep));
      if (learn.yb.length === 0) return;
      if (options.withLoss) {
        const perItem = lossInfo(learn.lossFunc).perItem;
        if (!perItem) {
          throw new TapfitError('E_CONFIG', 'getPreds({ withLoss: true }): the loss function has no per-item form (perItem); use a built-in loss or add one');
        }
        losses.push(tf.tidy(() => tf.keep(perItem(pred, ...learn.yb))));
      }
      if (options.withMetrics && learn.loss) {
        const bs = learn.yb[0].shape[0] ?? 1;
        const next = tf.tidy(() => {
          const parts: Tensor[] = [tf.mul(learn.loss!, bs)];
          for (const metric of learn.metrics) {
            const value = metric.fn(pred, ...learn.yb);
            parts.push(typeof value === 'number' ? tf.scalar(value * bs) : tf.mul(tf.mean(value), bs));
          }
          const batch = tf.stack(parts);
          return sums ? tf.add(sums, batch) : batch;
        });
        sums?.dispose();
        sums = tf.keep(next);
        count += bs;
      }
    },
    onError: release,
  });
  return Object.assign(plugin, {
    result(): GatheredPreds {
      const nTargets = targets[0]?.length ?? 0;
      const nInputs = inputs[0]?.length ?? 0;
      const sumValues = sums ? Array.from(sums.dataSync()) : null;
      const out: GatheredPreds = {
        preds: concat(preds),
        targets: Array.from({ length: nTargets }, (_, k) => concat(targets.map((t) => t[k]))!),
        inputs: Array.from({ length: nInputs }, (_, k) => concat(inputs.map((t) => t[k]))!),
        losses: concat(losses),
        means: sumValues ? sumValues.map((s, i) => (i === 0 ? s / count : finalize[i - 1](s / count))) : null,
      };
      release();
      return out;
    },
    release,
  });
}
