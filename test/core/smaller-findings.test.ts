import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { installInterruptHandler } from '../../runtime/checkpoint/index.ts';
import { PluginError, TapfitError, type Learner as LearnerView, type Plugin } from '../../plugin-sdk/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-smaller-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const makeLearner = (plugins: Plugin[] = [], nTrain = 2) =>
  Learner.create({ model: new TinyLinear(), dls: tinyData(nTrain, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true, plugins });

describe('smaller findings', () => {
  it('Ctrl-C with an unwritable checkpoint folder reports the real error once, and finish() does not retry or throw', async () => {
    const blocker = path.join(work, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const dir = path.join(blocker, 'checkpoints');
    const learn = await makeLearner();
    const lines: string[] = [];
    const stop = installInterruptHandler(learn, dir, { log: (m) => lines.push(m) });
    const trigger: Plugin = { name: 'trigger', afterBatch: (l) => void (l.iter === 0 && stop.request()) };
    const error = await learn.fit(2, 0.01, { plugins: [trigger] }).then(() => null, (e: unknown) => e);
    // raised in the interrupt handler's afterBatch tap, so named as that tap's failure
    expect(error).toBeInstanceOf(PluginError);
    const cause = (error as PluginError).cause as TapfitError;
    expect(cause.code).toBe('E_CHECKPOINT');
    expect(cause.message).toMatch(new RegExp(`^SIGINT: could not write the checkpoint ${dir.replace(/[/.]/g, '\\$&')}/last\\.tapfit: ENOTDIR`));
    expect((error as Error).message).toContain(cause.message);
    expect(stop.finish()).toBe(130);
    expect(lines.at(-1)).toBe(`tapfit: training interrupted; no checkpoint was written: ${cause.message}`);
    expect(stop.checkpoint).toBeNull();
  });

  it('an error in afterCreate fires onError, with the PluginError', async () => {
    const seen: unknown[] = [];
    const watcher: Plugin = { name: 'watcher', onError: (_l, e) => void seen.push(e) };
    const bad: Plugin = {
      name: 'bad-create',
      afterCreate() {
        throw new Error('no GPU here');
      },
    };
    const error = await makeLearner([watcher, bad]).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(PluginError);
    expect((error as Error).message).toBe('plugin "bad-create" failed on event "afterCreate": no GPU here');
    expect(seen).toEqual([error]);
  });

  it('a plugin that sets lossGrad to null gets an error naming it, and nothing leaks', async () => {
    const nuller: Plugin = {
      name: 'nuller',
      afterLoss(l) {
        (l as LearnerView & { lossGrad: tf.Scalar | null }).lossGrad = null;
      },
    };
    const learn = await makeLearner([nuller]);
    const before = tf.memory().numTensors;
    await expect(learn.fit(1, 0.01)).rejects.toThrow(/learn\.lossGrad is null after afterLoss and beforeBackward \(a plugin cleared it\).*CancelBackwardError/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('checkLeaks catches a leak that starts in the third epoch, naming the plugin and the epoch', async () => {
    const leaky: Plugin = {
      name: 'late-leak',
      afterBatch(l) {
        if (l.epoch >= 2) tf.scalar(1); // never disposed
      },
    };
    const learn = await makeLearner([leaky]);
    const epochs: number[] = [];
    const error = await learn
      .fit(5, 0.01, { checkLeaks: true, plugins: [{ name: 'epochs', beforeEpoch: (l) => void epochs.push(l.epoch) }] })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TapfitError);
    expect((error as TapfitError).code).toBe('E_LEAK');
    // 2 training + 1 validation batches a epoch: 3 scalars
    expect((error as Error).message).toMatch(/grew by 3 from the end of epoch 1 to the end of epoch 2 .*3 created by plugin "late-leak" on "afterBatch"/);
    expect(epochs).toEqual([0, 1, 2]); // stopped at the start of epoch 3
  });

  it('an error on a fit-level event names no stale position; on an epoch edge, the epoch only', async () => {
    const learn = await makeLearner();
    await learn.fit(1, 0.01); // leaves epoch 0 and a validation iter behind
    const atFit: Plugin = {
      name: 'at-fit',
      beforeFit() {
        throw new Error('bad setup');
      },
    };
    await expect(learn.fit(1, 0.01, { plugins: [atFit] })).rejects.toThrow(/^plugin "at-fit" failed on event "beforeFit": bad setup$/);
    const atEpoch: Plugin = {
      name: 'at-epoch',
      afterEpoch(l) {
        if (l.epoch === 1) throw new Error('bad epoch');
      },
    };
    await expect(learn.fit(2, 0.01, { plugins: [atEpoch] })).rejects.toThrow(/^plugin "at-epoch" failed on event "afterEpoch" \(epoch 1\): bad epoch$/);
  });
});
