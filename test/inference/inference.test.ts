import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { mnist } from '../../runtime/data/mnist.ts';
import { mnistMlp } from '../../runtime/models/mnist.ts';
import { setInferenceInfo } from '../../runtime/inference/index.ts';
import type { TensorDataLoader } from '../../runtime/data/dataloaders.ts';
import { humanNumbersLearner } from '../../examples/human-numbers/setup.ts';
import { eventLog, VALID_BATCH } from '../helpers/events.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'tapfit-inference-'));

/** Everything an inference call must leave as it was. */
function stateOf(learn: Learner) {
  const { epoch, nEpoch, iter, nIter, training, pctTrain, trainIter, smoothLoss, dl } = learn;
  return {
    weights: learn.model.parameters().map((p) => Array.from(p.dataSync())),
    opt: JSON.stringify(learn.opt.stateDict()),
    recorder: JSON.stringify({ values: learn.recorder!.values, losses: learn.recorder!.losses, hps: learn.recorder!.hps }),
    plugins: learn.plugins.map((p) => p.name),
    loop: { epoch, nEpoch, iter, nIter, training, pctTrain, trainIter, smoothLoss, dl },
    lossFunc: learn.lossFunc,
  };
}

/** A trained MNIST MLP with an event log; 200 validation digits in batches of 64 (4 batches). */
async function trainedMnist() {
  const log = eventLog();
  const dls = mnist({ nTrain: 1000, nValid: 200, batchSize: 64, seed: 0 });
  const learn = await Learner.create({ model: mnistMlp({ seed: 0, hidden: 32 }), dls, lr: 1e-2, metrics: ['accuracy'], plugins: [log.plugin], backend: 'cpu', quiet: true });
  await learn.fit(1);
  const [x, y] = (dls.valid as TensorDataLoader).tensors;
  return { learn, log, x, y: Array.from(y.dataSync()) };
}

describe('inference on the Learner: validate, getPreds, predict, showResults (MNIST)', () => {
  let learn: Learner;
  let log: ReturnType<typeof eventLog>;
  let x: tf.Tensor;
  let y: number[];
  beforeAll(async () => {
    await tf.setBackend('cpu');
    ({ learn, log, x, y } = await trainedMnist());
  });

  it('validate() = [validLoss, accuracy] as the recorder had them, and as computed by hand from getPreds', async () => {
    const before = stateOf(learn);
    log.events.length = 0;
    const [loss, accuracy] = await learn.validate();
    // Exactly the validation events: 4 batches of 64, 64, 64, 8.
    expect(log.events).toEqual(['beforeValidate', ...Array(4).fill(VALID_BATCH).flat(), 'afterValidate']);
    expect(stateOf(learn)).toEqual(before);
    const [, recLoss, recAcc] = learn.recorder!.values.at(-1)! as number[];
    expect(loss).toBeCloseTo(recLoss, 5);
    expect(accuracy).toBeCloseTo(recAcc, 6);
    const { preds, targets } = await learn.getPreds();
    const p = preds.arraySync() as number[][];
    const byHand = p.reduce((s, row, i) => s - Math.log(row[y[i]]), 0) / y.length;
    const accByHand = p.filter((row, i) => row.indexOf(Math.max(...row)) === y[i]).length / y.length;
    expect(loss).toBeCloseTo(byHand, 4);
    expect(accuracy).toBeCloseTo(accByHand, 6);
    expect(Array.from(targets!.dataSync())).toEqual(y);
    tf.dispose([preds, targets!]);
  });

  it("getPreds: softmax by default (fastai's activation), withInput, withLoss (= −log p[target]), withDecoded, act; no leaks", async () => {
    const before = stateOf(learn);
    const n0 = tf.memory().numTensors;
    log.events.length = 0;
    const got = await learn.getPreds({ withInput: true, withLoss: true, withDecoded: true });
    expect(log.events[0]).toBe('beforeValidate');
    expect(log.events.at(-1)).toBe('afterValidate');
    expect(log.events.filter((e) => e.startsWith('beforeFit') || e.includes('Train') || e.includes('Epoch') || e.includes('Step'))).toEqual([]);
    expect(got.preds.shape).toEqual([200, 10]);
    const p = got.preds.arraySync() as number[][];
    p.forEach((row) => expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5));
    const losses = Array.from(got.losses!.dataSync());
    losses.forEach((l, i) => expect(l).toBeCloseTo(-Math.log(p[i][y[i]]), 4));
    expect(Array.from(got.decoded!.dataSync())).toEqual(p.map((row) => row.indexOf(Math.max(...row))));
    expect(Array.from(got.inputs![0].dataSync())).toEqual(Array.from(x.dataSync()));
    const raw = await learn.getPreds({ act: (t) => t.clone() });
    const logits = raw.preds.arraySync() as number[][];
    const soft = logits[0].map(Math.exp);
    const z = soft.reduce((a, v) => a + v, 0);
    soft.forEach((v, k) => expect(v / z).toBeCloseTo(p[0][k], 5));
    tf.dispose([got.preds, got.targets!, got.losses!, got.decoded!, ...got.inputs!, raw.preds, raw.targets!]);
    expect(tf.memory().numTensors).toBe(n0);
    expect(stateOf(learn)).toEqual(before);
  });

  it('getPreds on another loader (dl), e.g. the training set in order', async () => {
    const dls = mnist({ nTrain: 100, nValid: 10, batchSize: 32, seed: 0, shuffle: false });
    const { preds, targets } = await learn.getPreds({ dl: dls.train });
    expect(preds.shape).toEqual([100, 10]);
    expect(Array.from(targets!.dataSync())).toEqual(Array.from((dls.train as TensorDataLoader).tensors[1].dataSync()));
    tf.dispose([preds, targets!]);
    dls.dispose();
  });

  it('predict: one item → one prediction, a batch → one per item, named by the labels; same as getPreds; bad shapes named', async () => {
    const before = stateOf(learn);
    const { preds } = await learn.getPreds();
    const p = preds.arraySync() as number[][];
    const item = tf.tidy(() => x.slice([3], [1]).squeeze([0]));
    log.events.length = 0;
    const one = await learn.predict(item);
    expect(log.events).toEqual(['beforeValidate', ...VALID_BATCH.filter((e) => e !== 'afterLoss'), 'afterValidate']);
    expect(one.probs.shape).toEqual([10]);
    Array.from(one.probs.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(p[3][k], 5));
    expect(one.decoded).toBe(p[3].indexOf(Math.max(...p[3])));
    expect(one.pred.dataSync()[0]).toBe(one.decoded);
    const batch = tf.tidy(() => x.slice([0], [5]));
    setInferenceInfo(learn, { labels: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] });
    const five = await learn.predict(batch);
    const names = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    expect(five.decoded).toEqual(p.slice(0, 5).map((row) => names[row.indexOf(Math.max(...row))]));
    expect(five.probs.shape).toEqual([5, 10]);
    await expect(learn.predict(tf.zeros([28, 28]))).rejects.toThrow(/predict: x must be one item of shape \[28,28,1\] or a batch/);
    setInferenceInfo(learn, { labels: undefined });
    tf.dispose([preds, item, batch, one.pred, one.probs, five.pred, five.probs]);
    expect(stateOf(learn)).toEqual(before);
  });

  it('showResults writes an image grid (SVG and PNG) titled predicted / actual', async () => {
    const dir = tmp();
    const before = stateOf(learn);
    await learn.showResults(path.join(dir, 'results.svg'), { n: 4 });
    const svg = readFileSync(path.join(dir, 'results.svg'), 'utf8');
    const { decoded } = await learn.predict(tf.tidy(() => x.slice([0], [4])));
    (decoded as number[]).forEach((d, i) => expect(svg).toContain(`${i + 1}: ${d} / ${y[i]}`));
    expect(svg.match(/<path|<rect/g)!.length).toBeGreaterThan(4 * 28 * 28 * 0.9);
    await learn.showResults(path.join(dir, 'results.png'), { n: 9 });
    expect(readFileSync(path.join(dir, 'results.png')).subarray(1, 4).toString()).toBe('PNG');
    await expect(learn.showResults(path.join(dir, 'r.svg'), { n: 0 })).rejects.toThrow(/"n" must be a positive integer/);
    expect(stateOf(learn)).toEqual(before);
  });
});

describe('inference on text (human numbers LSTM LM)', () => {
  it('validate matches the recorder (loss, accuracy, perplexity); predict names tokens; showResults writes a table', async () => {
    const { learn, corpus } = await humanNumbersLearner({ upTo: 150, batchSize: 8, seqLen: 8, quiet: true, backend: 'cpu' });
    await learn.fit(1, 1e-2);
    const [, recLoss, recAcc, recPpl] = learn.recorder!.values.at(-1)! as number[];
    const [loss, acc, ppl] = await learn.validate();
    // The model's hidden state carries over batches, and model-resetter resets it before validation: same numbers.
    expect(loss).toBeCloseTo(recLoss, 4);
    expect(acc).toBeCloseTo(recAcc, 5);
    expect(ppl).toBeCloseTo(recPpl, 3);
    setInferenceInfo(learn, { vocab: corpus.vocab });
    const seq = tf.tensor1d(corpus.tokens.subarray(0, 8), 'int32');
    const out = await learn.predict(seq);
    expect(out.decoded).toHaveLength(8);
    (out.decoded as string[]).forEach((w) => expect(corpus.vocab).toContain(w));
    const dir = tmp();
    await learn.showResults(path.join(dir, 'lm.svg'), { n: 3 });
    const svg = readFileSync(path.join(dir, 'lm.svg'), 'utf8');
    expect(svg).toContain('predicted');
    expect(svg).toContain(corpus.vocab[corpus.tokens[0]]);
    tf.dispose([seq, out.pred, out.probs]);
  });
});
