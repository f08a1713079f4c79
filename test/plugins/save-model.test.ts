import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../runtime/checkpoint/index.ts';
import type { Plugin } from '../../plugin-sdk/index.ts';
import { fakeRecords, makeLearner, weightsOf } from '../helpers/trackers.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-save-model-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('save-model', () => {
  it("every: 'improvement' saves on a new best with fastai's message and loads the best weights at the end", async () => {
    const dir = path.join(work, 'best');
    const weights: number[][][] = [];
    const snap: Plugin = { name: 'snap', order: 99, afterEpoch: (l) => void weights.push(weightsOf(l)) };
    const { learn, lines } = await makeLearner([fakeRecords('valid_loss', [0.5, 0.25, 0.4]), ['save-model', { every: 'improvement', dir }], snap]);
    await learn.fit(3);
    expect(lines.filter((l) => l.startsWith('Better'))).toEqual([
      'Better model found at epoch 0 with valid_loss value: 0.5.',
      'Better model found at epoch 1 with valid_loss value: 0.25.',
    ]);
    expect(readCheckpoint(path.join(dir, 'best.tapfit')).manifest.progress).toMatchObject({ epochsDone: 2 });
    expect(weightsOf(learn)).toEqual(weights[1]);
  });

  it("every: 'epoch' writes last.tapfit after the other plugins' afterEpoch", async () => {
    const dir = path.join(work, 'every');
    const { learn } = await makeLearner([['save-model', { dir }], ['reduce-lr-on-plateau', { patience: 1, minDelta: 10 }]]);
    await learn.fit(2);
    const ckpt = readCheckpoint(dir);
    expect(ckpt.manifest.progress).toMatchObject({ epochsDone: 2, nEpoch: 2 });
    // reduce-lr-on-plateau (order 62) cut the lr at epoch 1 (no gain of 10) before the write: the cut is saved.
    expect((ckpt.manifest.optimizer as { hypers: { lr: number }[] }).hypers[0].lr).toBe(0.01 / 10);
    expect(ckpt.manifest.plugins['reduce-lr-on-plateau']).toMatchObject({ wait: 0 });
    // An LR finder run is not training: it leaves the checkpoint alone.
    const before = readFileSync(path.join(dir, 'last.tapfit'));
    await learn.lrFind({ numIt: 6 });
    expect(readFileSync(path.join(dir, 'last.tapfit')).equals(before)).toBe(true);
  });
});
