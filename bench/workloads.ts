/**
 * The two workloads compared with PyTorch: tapfit's MNIST CNN (2,000 + 500 images, batches of 64, Adam) and the
 * human-numbers LSTM LM (examples/human-numbers, 2 × 64 LSTM, bptt 16, batches of 64), each as the `learn.fit`
 * a user runs, and the same data written to files for the PyTorch peers.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { humanNumbersLearner } from '../examples/human-numbers/setup.ts';
import { DataLoaders } from '../runtime/data/dataloaders.ts';
import { mnistArrays } from '../runtime/data/mnist.ts';
import { Learner } from '../runtime/learner/learner.ts';
import { mnistCnn } from '../runtime/models/mnist.ts';

export const CNN = { nTrain: 2000, nValid: 500, bs: 64 } as const;
export const LSTM = { bs: 64, seq: 16, upTo: 9999 } as const;

export interface Workload {
  learn: Learner;
  /** The layers model, where the workload is one (the CNN): its FLOPs are counted from its layers. */
  layers?: tf.LayersModel;
  /** Frees the tensors the workload made (model, optimizer state, data). */
  dispose(): void;
}

const bytes = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The CNN learner (default plugins + accuracy, no shuffling); with `dataDir`, also writes its data for cnn.py. */
export async function cnnWorkload(dataDir?: string): Promise<Workload> {
  const { train, valid } = mnistArrays({ nTrain: CNN.nTrain, nValid: CNN.nValid, seed: 0 });
  if (dataDir) {
    writeFileSync(path.join(dataDir, 'x_train.f32'), bytes(train.x));
    writeFileSync(path.join(dataDir, 'y_train.i32'), bytes(train.y));
    writeFileSync(path.join(dataDir, 'x_valid.f32'), bytes(valid.x));
    writeFileSync(path.join(dataDir, 'y_valid.i32'), bytes(valid.y));
  }
  const tensors = [tf.tensor4d(train.x, [train.n, 28, 28, 1]), tf.tensor1d(train.y, 'int32'), tf.tensor4d(valid.x, [valid.n, 28, 28, 1]), tf.tensor1d(valid.y, 'int32')];
  const dls = DataLoaders.fromTensors({ train: tensors.slice(0, 2), valid: tensors.slice(2) }, { batchSize: CNN.bs, shuffle: false });
  const layers = mnistCnn({ seed: 0 });
  const learn = await Learner.create({ model: layers, dls, metrics: ['accuracy'], backend: 'wasm', quiet: true });
  return {
    learn,
    layers,
    dispose() {
      learn.opt.dispose();
      learn.model.dispose?.();
      tf.dispose(tensors);
    },
  };
}

/** The human-numbers learner of examples/human-numbers (its plugins, AR/TAR, clipping); with `dataDir`, its token streams for lstm.py. */
export async function lstmWorkload(dataDir?: string): Promise<Workload> {
  const { learn, dls, corpus } = await humanNumbersLearner({ upTo: LSTM.upTo, batchSize: LSTM.bs, seqLen: LSTM.seq, quiet: true, backend: 'wasm' });
  if (dataDir) {
    writeFileSync(path.join(dataDir, 'train.i32'), bytes(dls.train.tokens));
    writeFileSync(path.join(dataDir, 'valid.i32'), bytes(dls.valid.tokens));
    writeFileSync(path.join(dataDir, 'meta.json'), JSON.stringify({ vocab: corpus.vocab.length, bs: LSTM.bs, seq: LSTM.seq }));
  }
  return {
    learn,
    dispose() {
      learn.opt.dispose();
      learn.model.dispose?.();
    },
  };
}
