import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { readCheckpoint } from '../../runtime/checkpoint/index.ts';
import { pyRepr, Tracker, type Learner as LearnerView, type Plugin } from '../../plugin-sdk/index.ts';
import type { PluginSpec } from '../../runtime/plugin-host/load-plugins.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-trackers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** fastai's FakeRecords (order 51, after the recorder): overwrites the monitored cell with a scripted value per epoch. */
function fakeRecords(column: string, script: readonly number[]): Plugin {
  return {
    name: 'fake-records',
    order: 51,
    runAfter: ['recorder'],
    afterEpoch(learn) {
      const recorder = learn.recorder as unknown as { values: (number | null)[][]; metricNames: string[] };
      recorder.values.at(-1)![recorder.metricNames.indexOf(column) - 1] = script[learn.epoch];
    },
  };
}

/** A learner on the tiny linear model whose log lines are captured. */
async function makeLearner(plugins: PluginSpec[], lr = 0.01): Promise<{ learn: Learner; lines: string[] }> {
  const lines: string[] = [];
  const learn = await Learner.create({
    model: new TinyLinear(),
    dls: tinyData(2, 1, 2),
    lossFunc: 'mse',
    optimizer: 'sgd',
    metrics: [{ name: 'tst_metric', fn: () => 0 }],
    backend: 'cpu',
    lr,
    logger: (m) => lines.push(m),
    plugins,
  });
  return { learn, lines };
}

const weightsOf = (learn: LearnerView) => learn.model.parameters().map((p) => Array.from(p.dataSync()));

describe('Tracker (TC23)', () => {
  const cases = [
    { name: "TrackerCallback('valid_loss')", opts: { monitor: 'valid_loss' }, bests: [0.2, 0.1], flags: [true, true] },
    { name: 'min_delta = 0.15', opts: { monitor: 'valid_loss', minDelta: 0.15 }, bests: [0.2, 0.2], flags: [true, false] },
    { name: "monitor = 'tst_metric' (greater by default)", opts: { monitor: 'tst_metric' }, bests: [0.2, 0.2], flags: [true, false] },
    { name: 'same, with comp = less', opts: { monitor: 'tst_metric', comp: 'less' as const }, bests: [0.2, 0.1], flags: [true, true] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const tracker = new Tracker('test-tracker', { minDelta: 0, resetOnFit: true, ...c.opts });
      const bests: (number | null)[] = [];
      const flags: boolean[] = [];
      const probe: Plugin = {
        name: 'probe',
        order: 60,
        beforeFit: (l) => void tracker.beforeFit(l),
        afterEpoch(l) {
          flags.push(tracker.update(l));
          bests.push(tracker.best);
        },
      };
      const { learn } = await makeLearner([fakeRecords(c.opts.monitor, [0.2, 0.1]), probe]);
      await learn.fit(2);
      expect(bests).toEqual(c.bests);
      expect(flags).toEqual(c.flags);
    });
  }

  it('refuses a monitor the recorder does not record', async () => {
    const { learn } = await makeLearner([['early-stopping', { monitor: 'accuracy' }]]);
    await expect(learn.fit(1)).rejects.toThrow(/early-stopping: monitor "accuracy" is not recorded; the recorder has "train_loss", "valid_loss", "tst_metric", "time"/);
  });

  it("formats numbers as Python's repr does", () => {
    expect([1e-8, 1e-5, 1e-4, 0.1, 2, 1.5e-7, 123.25, 1e16, Infinity, Number.NaN].map(pyRepr)).toEqual([
      '1e-08', '1e-05', '0.0001', '0.1', '2.0', '1.5e-07', '123.25', '1e+16', 'inf', 'nan',
    ]);
  });
});

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

describe('reduce-lr-on-plateau (TC23)', () => {
  it('lr 1e-7, 4 epochs: prints "Epoch 2: reducing lr to 1e-08"; final lr 1e-8', async () => {
    const { learn, lines } = await makeLearner([['reduce-lr-on-plateau', { minDelta: 0.1, patience: 2 }]], 1e-7);
    await learn.fit(4);
    expect(lines.filter((l) => l.includes('reducing lr'))).toEqual(['Epoch 2: reducing lr to 1e-08']);
    expect(learn.opt.hypers[0].lr).toBe(1e-8);
  });

  it('lr 5e-8, min_lr 1e-8, 6 epochs: final lr 1e-8 and one message (the epoch-4 reduction is clamped)', async () => {
    const { learn, lines } = await makeLearner([['reduce-lr-on-plateau', { minDelta: 0.1, patience: 2, minLr: 1e-8 }]], 5e-8);
    await learn.fit(6);
    expect(lines.filter((l) => l.includes('reducing lr'))).toEqual(['Epoch 2: reducing lr to 1e-08']);
    expect(learn.opt.hypers[0].lr).toBe(1e-8);
  });
});

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
