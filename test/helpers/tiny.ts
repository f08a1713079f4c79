import * as tf from '@tensorflow/tfjs';
import { DataLoaders } from '../../runtime/data/dataloaders.ts';
import type { Module, Pred } from '../../plugin-sdk/index.ts';

/** y = x·w + b on 2 features: the smallest real model to drive the loop. */
let instances = 0;

export class TinyLinear implements Module {
  // Variable names are global in tfjs: each instance needs its own.
  readonly w = tf.variable(tf.tensor2d([[0.5], [-0.25]]), true, `tiny_w_${instances}`);
  readonly b = tf.variable(tf.tensor1d([0.1]), true, `tiny_b_${instances++}`);
  forward([x]: tf.Tensor[]): Pred {
    return tf.add(tf.matMul(x as tf.Tensor2D, this.w), this.b);
  }
  parameters(): tf.Variable[] {
    return [this.w, this.b];
  }
  dispose(): void {
    this.w.dispose();
    this.b.dispose();
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
