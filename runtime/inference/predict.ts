import * as tf from '@tensorflow/tfjs';
import { lossInfo, TapfitError } from '../../plugin-sdk/index.ts';
import type { Learner } from './pass.ts';
import { inferenceInfo } from './info.ts';
import { gatherPass, loaderOver } from './pass.ts';

export interface Prediction<T> {
  /** The decoded prediction, named by the learner's labels or vocab when it has them. */
  decoded: T;
  /** The decoded prediction as class ids (or values, for a regression). */
  pred: tf.Tensor;
  /** The activated output (probabilities for cross-entropy). */
  probs: tf.Tensor;
}

/** The shape of one input item: from the learner's info, else from a batch of its validation loader. */
export function itemShape(learn: Learner): number[] {
  const known = inferenceInfo(learn).itemShape;
  if (known) return known;
  const first = learn.dls.valid[Symbol.iterator]().next();
  if (first.done) throw new TapfitError('E_DATA', 'predict: the learner has no validation data to learn the input shape from; pass a batch');
  const shape = first.value[0].shape.slice(1);
  for (const t of first.value) t.dispose();
  return shape;
}

/** Raw inputs → model inputs: `(x − mean)/std` when the learner normalises. */
export function normalized(learn: Learner, x: tf.Tensor): tf.Tensor {
  const norm = inferenceInfo(learn).normalize;
  if (!norm) return x.clone();
  return tf.tidy(() => tf.div(tf.sub(x.toFloat(), tf.tensor1d(norm.mean)), tf.tensor1d(norm.std)));
}

/**
 * fastai's `Learner.predict` for one item, and for a batch: `{ decoded, pred, probs }` through a
 * validation pass (plugins such as `rnn-outputs` take part). One item (its rank is the item's) gives one
 * prediction; a batch gives one per item. The tensors are the caller's to dispose.
 */
export async function predict(learn: Learner, x: tf.Tensor | number[]): Promise<Prediction<string | number | (string | number)[]>> {
  const input = x instanceof tf.Tensor ? x : tf.tensor(x);
  try {
    const shape = itemShape(learn);
    const single = input.rank === shape.length;
    if (!single && input.rank !== shape.length + 1) {
      throw new TapfitError('E_DATA', `predict: x must be one item of shape [${shape}] or a batch of shape [n, ${shape}], got [${input.shape}]`);
    }
    const batch = tf.tidy(() => normalized(learn, single ? input.expandDims(0) : input));
    let raw: tf.Tensor | null;
    try {
      raw = (await gatherPass(learn, loaderOver([batch]), {})).preds;
    } finally {
      batch.dispose();
    }
    const info = lossInfo(learn.lossFunc);
    const { probs, pred } = tf.tidy(() => {
      const activated = info.activation ? info.activation(raw!) : raw!.clone();
      const decodedIds = info.decodes ? info.decodes(activated) : activated.clone();
      return { probs: single ? activated.squeeze([0]) : activated, pred: single ? decodedIds.squeeze([0]) : decodedIds };
    });
    raw!.dispose();
    const names = inferenceInfo(learn).labels ?? inferenceInfo(learn).vocab;
    const name = (v: number) => (names && Number.isInteger(v) && names[v] !== undefined ? names[v] : v);
    const values = Array.from(pred.dataSync()).map(name);
    const decoded = pred.rank === 0 ? values[0] : values;
    return { decoded, pred, probs };
  } finally {
    if (input !== x) input.dispose();
  }
}
