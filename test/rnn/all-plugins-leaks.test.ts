import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LMDataLoaders } from '../../runtime/data/lm.ts';
import { Learner } from '../../runtime/learner/learner.ts';
import { LstmLM } from '../../runtime/models/lstm-lm.ts';
import type { Plugin } from '../../plugin-sdk/index.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-rnn-leaks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('an LSTM LM with every built-in plugin that applies, 1,000 batches', () => {
  it('keeps tf.memory().numTensors constant from epoch to epoch, after an LR-finder run too', async () => {
    // 4 rows × 100 batches of 2 tokens per epoch for training.
    const tokens = Int32Array.from({ length: 1001 }, (_, i) => (i * 7) % 13);
    const dls = LMDataLoaders.fromTokens(tokens, { batchSize: 4, seqLen: 2, validPct: 0.2 });
    const counts: number[] = [];
    const counter: Plugin = { name: 'counter', order: 1000, afterEpoch: () => void counts.push(tf.memory().numTensors) };
    const learn = await Learner.create({
      model: new LstmLM({ vocabSize: 13, nHidden: 4, nLayers: 1, dropout: 0.2, seed: 1 }),
      dls,
      backend: 'cpu',
      quiet: true,
      metrics: ['accuracy', 'perplexity'],
      plugins: [
        'model-resetter',
        'rnn-outputs',
        ['rnn-regularizer', { alpha: 2, beta: 1 }],
        ['gradient-clip', { maxNorm: 0.5 }],
        ['terminate-on-nan', { restoreLast: true }],
        ['progress', { bar: false }],
        ['early-stopping', { patience: 100 }],
        ['reduce-lr-on-plateau', { patience: 100 }],
        ['save-model', { dir: path.join(work, 'ckpt') }],
        ['csv-logger', { fname: path.join(work, 'history.csv') }],
        counter,
      ],
    });
    expect(dls.train.length).toBe(100);
    await learn.lrFind({ numIt: 20 });
    const afterLrFind = tf.memory().numTensors; // weights and the LSTM's (now allocated) hidden state
    await learn.lrFind({ numIt: 20 });
    expect(tf.memory().numTensors).toBe(afterLrFind); // the finder restores model and optimizer, and keeps nothing
    counts.length = 0;
    await learn.fitOneCycle(10, 1e-2, { checkLeaks: true });
    expect(learn.trainIter).toBe(1000);
    expect(new Set(counts).size).toBe(1);
    // A second fit holds the same tensors (weights, optimizer state, hidden state) as the first.
    await learn.fitOneCycle(2, 1e-2);
    expect(counts.at(-1)).toBe(counts[0]);
  });
});
