import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs';
import { asTensor, runOps } from './tensor-info.ts';

/**
 * out[s, ...] = Σ_{j : ids[j] = s} x[j, ...] for s < numSegments, as one `scatterND` (which sums duplicate
 * indices) — linear in the size of x, where the reference loops over every segment. `segmentIds` may have any
 * rank that is a prefix of x's shape; ids outside [0, numSegments) are dropped, as in TensorFlow.
 */
export function unsortedSegmentSum(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  return tf.tidy(() => {
    const idRank = segmentIds.rank;
    const inner = x.shape.slice(idRank);
    const rows = segmentIds.size;
    const values = tf.reshape(x, [rows, ...inner]);
    const ids = tf.reshape(segmentIds, [rows]).toInt();
    const inRange = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
    const safeIds = tf.where(inRange, ids, tf.zerosLike(ids));
    const mask = tf.reshape(tf.cast(inRange, values.dtype), [rows, ...inner.map(() => 1)]);
    const kept = tf.mul(values, mask);
    return tf.scatterND(tf.reshape(safeIds, [rows, 1]), kept, [numSegments, ...inner]);
  });
}

/** An `UnsortedSegmentSum` kernel for `backendName`, built from ops that backend has. */
export function unsortedSegmentSumKernel(backendName: string): KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName,
    kernelFunc: ({ inputs, attrs }) => {
      const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
      const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
      return runOps(() => unsortedSegmentSum(asTensor(x), asTensor(segmentIds), numSegments));
    },
  };
}
