import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { mnist } from '../../runtime/data/mnist.ts';
import { mnistCnn } from '../../runtime/models/mnist.ts';
import { loadLearner } from '../../runtime/learner/load-learner.ts';
import { fileHandler } from '../../runtime/export/weights.ts';
import { humanNumbersLearner } from '../../examples/human-numbers/setup.ts';
import { LstmLM } from '../../runtime/models/lstm-lm.ts';
import type { TensorDataLoader } from '../../runtime/data/dataloaders.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'tapfit-export-'));
const LABELS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

describe("export / loadLearner (fastai's export, load_learner)", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('MNIST CNN: a standard LayersModel artifact that tf.loadLayersModel reads; the round trip predicts identically, with no training state', async () => {
    const dls = mnist({ nTrain: 500, nValid: 100, batchSize: 50, seed: 0 });
    const learn = await Learner.create({ model: mnistCnn({ seed: 0 }), dls, lr: 1e-2, optimizer: 'adam', backend: 'wasm', quiet: true });
    await learn.fit(1);
    const dir = tmp();
    expect(await learn.export(dir, { labels: LABELS })).toBe(dir);
    for (const f of ['model.json', 'weights.bin', 'learner.json']) expect(existsSync(path.join(dir, f))).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'learner.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'tapfit-learner', loss: 'cross-entropy', model: { kind: 'layers-model' }, info: { labels: LABELS, itemShape: [28, 28, 1] } });
    expect(JSON.stringify(manifest)).not.toMatch(/gradAvg|sqrAvg|optimizer/);

    const [x] = (dls.valid as TensorDataLoader).tensors;
    const before = await learn.predict(x);
    // Plain TensorFlow.js reads the artifact: the same logits as the trained model.
    const plain = await tf.loadLayersModel(fileHandler(path.join(dir, 'model.json')));
    const logits = tf.tidy(() => learn.model.forward([x], { training: false }) as tf.Tensor);
    const plainLogits = plain.predict(x) as tf.Tensor;
    expect(Array.from(plainLogits.dataSync())).toEqual(Array.from(logits.dataSync()));

    const loaded = await loadLearner(dir, { backend: 'wasm' });
    expect(loaded.dls.train.length).toBe(0);
    expect(loaded.recorder!.values).toEqual([]);
    expect(loaded.opt.state(loaded.model.parameters()[0])).toEqual({});
    const after = await loaded.predict(x);
    expect(Array.from(after.probs.dataSync())).toEqual(Array.from(before.probs.dataSync()));
    expect(after.decoded).toEqual(before.decoded);
    expect((after.decoded as string[]).every((d) => LABELS.includes(d))).toBe(true);
    const one = await loaded.predict(tf.tidy(() => x.slice([0], [1]).squeeze([0])));
    expect(one.decoded).toBe((before.decoded as string[])[0]);
    tf.dispose([before.pred, before.probs, after.pred, after.probs, one.pred, one.probs, plainLogits, logits]);
    plain.dispose();
  });

  it('the human-numbers LSTM LM exports its config and weights in the same folder; the rnn plugins come back; predictions identical', async () => {
    const { learn, corpus } = await humanNumbersLearner({ upTo: 150, batchSize: 8, seqLen: 8, quiet: true, backend: 'cpu' });
    await learn.fit(1, 1e-2);
    const dir = tmp();
    await learn.export(dir, { vocab: corpus.vocab });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'learner.json'), 'utf8'));
    expect(manifest.model.kind).toBe('lstm-lm');
    expect(manifest.model.config).toMatchObject({ vocabSize: corpus.vocab.length, nHidden: 64, nLayers: 2 });
    expect(manifest.plugins).toContain('rnn-outputs');
    const seq = tf.tensor2d([Array.from(corpus.tokens.subarray(0, 8))], [1, 8], 'int32');
    const before = await learn.predict(seq);
    const loaded = await loadLearner(dir, { backend: 'cpu' });
    expect(loaded.model).toBeInstanceOf(LstmLM);
    const after = await loaded.predict(seq);
    expect(Array.from(after.probs.dataSync())).toEqual(Array.from(before.probs.dataSync()));
    expect(after.decoded).toEqual(before.decoded);
    tf.dispose([seq, before.pred, before.probs, after.pred, after.probs]);
  });

  it('errors: a folder without an export, a custom loss', async () => {
    await expect(loadLearner(tmp())).rejects.toThrow(/no learner.json in .* \(write one with learn.export\(dir\)\)/);
    const dls = mnist({ nTrain: 20, nValid: 10, batchSize: 10, seed: 0 });
    const learn = await Learner.create({ model: mnistCnn({ seed: 0 }), dls, lossFunc: (p, y) => tf.losses.softmaxCrossEntropy(tf.oneHot(y.toInt(), 10), p) as tf.Scalar, backend: 'cpu', quiet: true });
    await expect(learn.export(tmp())).rejects.toThrow(/export: the loss function is not a built-in one/);
  });
});
