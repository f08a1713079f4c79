import * as tf from '@tensorflow/tfjs';
import type { TopLevelSpec } from 'vega-lite';
import { TapfitError, writeChart, type DataLoader } from '../../plugin-sdk/index.ts';
import type { Learner } from '../learner/learner.ts';
import { getPreds } from '../inference/get-preds.ts';
import { inferenceInfo } from '../inference/info.ts';
import { imageGridSpec } from '../inference/show-results.ts';

/** What an interpretation is computed from: one row per item. */
export interface InterpretationData {
  /** Activated predictions (probabilities), items × classes. */
  probs: number[][];
  /** Actual class ids. */
  targets: number[];
  /** Per-item losses. */
  losses: number[];
  /** Class names by id; default `'0'`, `'1'`, … */
  vocab?: string[];
  /** The inputs, for `plotTopLosses` (NHWC images). */
  inputs?: number[][][][];
}

export interface FromLearnerOptions {
  /** Default: the validation loader. */
  dl?: DataLoader;
  /** Default: the loss's activation (softmax for cross-entropy). */
  act?: (pred: tf.Tensor) => tf.Tensor;
}

const argMax = (row: readonly number[]) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);

/**
 * fastai's `ClassificationInterpretation`: the confusion matrix (rows actual, columns predicted), the most
 * confused pairs, the items with the largest losses, and their plots. Built from a learner's predictions
 * (`fromLearner`) or from given rows.
 */
export class ClassificationInterpretation {
  readonly probs: number[][];
  readonly targets: number[];
  readonly losses: number[];
  readonly decoded: number[];
  readonly vocab: string[];
  readonly inputs?: number[][][][];

  constructor(data: InterpretationData) {
    const n = data.targets.length;
    if (data.probs.length !== n || data.losses.length !== n) {
      throw new TapfitError('E_DATA', `ClassificationInterpretation: probs (${data.probs.length}), targets (${n}) and losses (${data.losses.length}) must have one row per item`);
    }
    this.probs = data.probs;
    this.targets = data.targets;
    this.losses = data.losses;
    this.decoded = data.probs.map(argMax);
    const nClasses = Math.max(data.probs[0]?.length ?? 0, ...data.targets.map((t) => t + 1));
    this.vocab = data.vocab ?? Array.from({ length: nClasses }, (_, i) => String(i));
    this.inputs = data.inputs;
  }

  /** fastai's `ClassificationInterpretation.from_learner`: one gather pass with losses (and inputs for plots). */
  static async fromLearner(learn: Learner, options: FromLearnerOptions = {}): Promise<ClassificationInterpretation> {
    const got = await getPreds(learn, { dl: options.dl, act: options.act, withLoss: true, withInput: true });
    try {
      if (!got.targets || !got.losses) throw new TapfitError('E_DATA', 'ClassificationInterpretation.fromLearner: the loader gave no targets');
      const x = got.inputs?.[0];
      const info = inferenceInfo(learn);
      return new ClassificationInterpretation({
        probs: got.preds.reshape([-1, got.preds.shape[got.preds.rank - 1]!]).arraySync() as number[][],
        targets: Array.from(got.targets.dataSync()),
        losses: Array.from(got.losses.dataSync()),
        vocab: info.labels ?? info.vocab,
        inputs: x && x.rank === 4 ? (x.arraySync() as number[][][][]) : undefined,
      });
    } finally {
      for (const t of [got.preds, got.targets, got.losses, ...(got.inputs ?? [])]) t?.dispose();
    }
  }

  /** `cm[actual][predicted]` counts, vocab × vocab. */
  confusionMatrix(): number[][] {
    const k = this.vocab.length;
    const cm = Array.from({ length: k }, () => Array<number>(k).fill(0));
    this.targets.forEach((t, i) => (cm[t][this.decoded[i]] += 1));
    return cm;
  }

  /** Off-diagonal cells with at least `minVal` items, as `[actual, predicted, count]`, most first (ties in row order). */
  mostConfused(minVal = 1): [string, string, number][] {
    const cm = this.confusionMatrix();
    const cells: [string, string, number][] = [];
    cm.forEach((row, a) => row.forEach((count, p) => void (a !== p && count >= minVal && cells.push([this.vocab[a], this.vocab[p], count]))));
    return cells.sort((x, y) => y[2] - x[2]);
  }

  /** The `k` largest losses (default all) and their item indices, largest first (ties: lower index first). */
  topLosses(k = this.losses.length, largest = true): { losses: number[]; indices: number[] } {
    const order = this.losses.map((_, i) => i).sort((a, b) => (largest ? this.losses[b] - this.losses[a] : this.losses[a] - this.losses[b]) || a - b);
    const indices = order.slice(0, k);
    return { losses: indices.map((i) => this.losses[i]), indices };
  }

  /** The confusion matrix as a heatmap with counts, SVG or PNG by the file's extension. */
  async plotConfusionMatrix(file: string): Promise<void> {
    const cm = this.confusionMatrix();
    const values = cm.flatMap((row, a) => row.map((count, p) => ({ actual: this.vocab[a], predicted: this.vocab[p], count })));
    const spec = {
      data: { values },
      title: 'Confusion matrix',
      width: Math.max(200, 28 * this.vocab.length),
      height: Math.max(200, 28 * this.vocab.length),
      encoding: {
        x: { field: 'predicted', type: 'ordinal', sort: this.vocab, axis: { labelAngle: 0 } },
        y: { field: 'actual', type: 'ordinal', sort: this.vocab },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' }, legend: null } } },
        { mark: { type: 'text', fontSize: 11 }, encoding: { text: { field: 'count', type: 'quantitative' } } },
      ],
    } as TopLevelSpec;
    await writeChart(file, spec);
  }

  /**
   * The `k` items with the largest losses, titled `predicted / actual / loss / probability of the actual class`
   * as fastai's `plot_top_losses`: an image grid for image inputs, else a table.
   */
  async plotTopLosses(k: number, file: string): Promise<void> {
    if (!Number.isInteger(k) || k < 1) throw new TapfitError('E_CONFIG', `plotTopLosses: "k" must be a positive integer, got ${k}`);
    const { indices } = this.topLosses(k);
    const title = (i: number) =>
      `${this.vocab[this.decoded[i]]} / ${this.vocab[this.targets[i]]} / ${this.losses[i].toFixed(2)} / ${this.probs[i][this.targets[i]].toFixed(2)}`;
    if (this.inputs) {
      await writeChart(file, imageGridSpec(indices.map((i) => this.inputs![i]), indices.map((i, r) => `${r + 1}. ${title(i)}`)));
      return;
    }
    const values = indices.map((i, r) => ({ r, text: `#${i}: ${title(i)}` }));
    await writeChart(file, {
      data: { values },
      title: 'predicted / actual / loss / probability',
      width: 360,
      height: 20 * values.length,
      mark: { type: 'text', align: 'left', x: 0 },
      encoding: { y: { field: 'r', type: 'ordinal', axis: null }, text: { field: 'text' } },
    } as TopLevelSpec);
  }
}
