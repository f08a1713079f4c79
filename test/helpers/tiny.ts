import * as tf from '@tensorflow/tfjs';
import { DataLoaders } from '../../runtime/data/dataloaders.ts';
import { LinearModel } from '../../runtime/testing/test-learner.ts';

/** y = x·w + b on 2 features: the smallest real model to drive the loop (the SDK's test model). */
export class TinyLinear extends LinearModel {
  constructor() {
    super([[0.5], [-0.25]], [0.1]);
  }
}

/** `nTrain` training and `nValid` validation batches of `bs` items from a fixed linear target. */
export function tinyData(nTrain = 2, nValid = 1, bs = 2): DataLoaders {
  const make = (n: number, offset: number) => {
    const x = tf.tensor2d(Array.from({ length: n * 2 }, (_, i) => Math.sin(i + offset)), [n, 2]);
    const y = tf.tidy(() => x.matMul(tf.tensor2d([[2], [-1]])).add(0.3));
    return [x, y];
  };
  return DataLoaders.fromTensors({ train: make(nTrain * bs, 0), valid: make(nValid * bs, 100) }, { batchSize: bs, shuffle: false });
}
