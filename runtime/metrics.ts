import * as tf from '@tensorflow/tfjs';
import { TapfitError, type Metric } from '../plugin-sdk/index.ts';
import { crossEntropy } from './losses.ts';

/** Fraction of argmax predictions equal to the integer targets (leading dims flattened). */
export function accuracy(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const nClasses = pred.shape[pred.shape.length - 1];
    const predicted = pred.reshape([-1, nClasses]).argMax(1);
    return tf.equal(predicted, target.reshape([-1]).toInt()).toFloat().mean() as tf.Scalar;
  });
}

/** 1 − accuracy. */
export function errorRate(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sub(1, accuracy(pred, target)) as tf.Scalar);
}

/**
 * fastai's `Perplexity`: exp of the mean cross-entropy over the whole validation set (the mean is taken
 * first, weighted by batch size, then exponentiated — not the mean of per-batch perplexities).
 */
export const perplexity: Metric = { name: 'perplexity', fn: (pred, target) => crossEntropy(pred, target), finalize: Math.exp };

export const METRICS: Readonly<Record<string, Metric>> = {
  accuracy: { name: 'accuracy', fn: accuracy },
  errorRate: { name: 'error_rate', fn: errorRate },
  perplexity,
};

export type MetricSpec = Metric | string | ((pred: tf.Tensor, ...targets: tf.Tensor[]) => tf.Scalar | number);

export function resolveMetric(spec: MetricSpec): Metric {
  if (typeof spec === 'string') {
    const metric = METRICS[spec];
    if (!metric) throw new TapfitError('E_CONFIG', `unknown metric "${spec}" (known: ${Object.keys(METRICS).join(', ')})`);
    return metric;
  }
  if (typeof spec === 'function') return { name: spec.name || 'metric', fn: spec };
  return spec;
}
