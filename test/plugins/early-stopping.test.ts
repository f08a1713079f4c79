import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../runtime/checkpoint/index.ts';
import type { Plugin } from '../../plugin-sdk/index.ts';
import type { PluginSpec } from '../../runtime/plugin-host/load-plugins.ts';
import { fakeRecords, makeLearner, weightsOf } from '../helpers/trackers.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-early-stopping-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('early-stopping', () => {
  it('TC23: min_delta 0.1, patience 2 on a flat loss stops after epoch 2, printing fastai\'s message', async () => {
    const { learn, lines } = await makeLearner([['early-stopping', { minDelta: 0.1, patience: 2 }]], 1e-7);
    await learn.fit(10);
    expect(lines).toContain('No improvement since epoch 0: early stopping');
    expect(learn.recorder!.values).toHaveLength(3);
  });

  it('stops at the right epoch of a scripted loss and restores the best weights', async () => {
    const weights: number[][][] = [];
    const snap: Plugin = { name: 'snap', order: 99, afterEpoch: (l) => void weights.push(weightsOf(l)) };
    //                 epoch:  0    1    2     3     4    5
    const script = [1.0, 0.8, 0.9, 0.85, 0.7, 0.6];
    const { learn, lines } = await makeLearner([
      fakeRecords('valid_loss', script),
      ['early-stopping', { patience: 2, minDelta: 0, restoreBest: true }],
      snap,
    ]);
    const before = tf.memory().numTensors;
    await learn.fit(6);
    expect(learn.recorder!.values.map((r) => r[1])).toEqual([1.0, 0.8, 0.9, 0.85]);
    expect(lines).toContain('No improvement since epoch 1: early stopping');
    expect(lines).toContain('Restored the weights of epoch 1 (valid_loss: 0.8)');
    expect(weights).toHaveLength(3); // the stopping epoch's afterEpoch ended at early-stopping (order 63)
    expect(weightsOf(learn)).toEqual(weights[1]);
    expect(weightsOf(learn)).not.toEqual(weights[2]);
    expect(tf.memory().numTensors).toBe(before); // the kept copy is released
  });

  it('keeps its wait and best across a checkpoint', async () => {
    const dir = path.join(work, 'es');
    const plugins: PluginSpec[] = [fakeRecords('valid_loss', [1.0, 0.8, 0.9, 0.85]), ['early-stopping', { patience: 3, restoreBest: true }], ['save-model', { dir }]];
    const { learn } = await makeLearner(plugins);
    await learn.fit(3);
    const saved = readCheckpoint(dir).manifest.plugins['early-stopping'] as { wait: number; bestEpoch: number; tracker: { best: number } };
    expect(saved).toMatchObject({ wait: 1, bestEpoch: 1, tracker: { best: 0.8 } });
    const { learn: other } = await makeLearner(plugins);
    await other.load(dir);
    expect((other.plugin('early-stopping') as Plugin & { wait: number }).wait).toBe(1);
  });
});
