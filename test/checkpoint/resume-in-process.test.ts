import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { installInterruptHandler, readCheckpoint } from '../../runtime/checkpoint/index.ts';
import { DataLoaders } from '../../runtime/data/dataloaders.ts';
import * as tf from '@tensorflow/tfjs';
import type { Plugin } from '../../plugin-sdk/index.ts';
import type { PluginSpec } from '../../runtime/plugin-host/load-plugins.ts';
import { TinyLinear } from '../helpers/tiny.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-resume-ip-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** 4 shuffled training batches (so the batch order depends on the loader's RNG) and 2 validation batches. */
function data(): DataLoaders {
  const make = (n: number, offset: number) => {
    const x = tf.tensor2d(Array.from({ length: n * 2 }, (_, i) => Math.sin(i + offset)), [n, 2]);
    return [x, tf.tidy(() => x.matMul(tf.tensor2d([[2], [-1]])).add(0.3))];
  };
  return DataLoaders.fromTensors({ train: make(8, 0), valid: make(4, 50) }, { batchSize: 2, seed: 3 });
}

const plugins = (dir: string): PluginSpec[] => [['save-model', { dir }], ['early-stopping', { patience: 5, restoreBest: true }]];
const makeLearner = (extra: PluginSpec[]) =>
  Learner.create({ model: new TinyLinear(), dls: data(), lossFunc: 'mse', backend: 'cpu', quiet: true, plugins: extra });
const state = (learn: Learner) => ({
  weights: learn.model.parameters().map((p) => Array.from(p.dataSync())),
  opt: learn.opt.stateDict(),
  values: learn.recorder!.values,
  losses: learn.recorder!.losses,
  hps: learn.recorder!.hps,
  trainIter: learn.trainIter,
});

async function reference(): Promise<ReturnType<typeof state>> {
  const learn = await makeLearner(plugins(path.join(work, 'ref')));
  await learn.fitOneCycle(3, 0.05);
  return state(learn);
}

describe('resume, in process', () => {
  it('fitOneCycle: a crash after epoch 1, resumed, matches the uninterrupted run', async () => {
    const ref = await reference();
    const dir = path.join(work, 'crash');
    const crash: Plugin = { name: 'crash', order: 99, beforeBatch: (l) => { if (l.epoch === 1 && l.iter === 2) throw new Error('power cut'); } };
    await expect((await makeLearner([...plugins(dir), crash])).fitOneCycle(3, 0.05)).rejects.toThrow(/power cut/);
    const learn = await makeLearner(plugins(dir));
    await learn.fitOneCycle(3, 0.05, { resume: dir });
    expect(state(learn)).toEqual(ref);
  });

  it('interrupted during validation: resumes by re-running that validation, exactly', async () => {
    const ref = await reference();
    const dir = path.join(work, 'valid');
    const learn = await makeLearner(plugins(dir));
    const stop = installInterruptHandler(learn, dir, { log: () => {} });
    const trigger: Plugin = { name: 'trigger', afterBatch: (l) => { if (l.epoch === 1 && !l.training && l.iter === 0) stop.request(); } };
    await learn.fitOneCycle(3, 0.05, { plugins: [trigger] });
    expect(stop.finish()).toBe(130);
    expect(readCheckpoint(dir).manifest.progress).toMatchObject({ epochsDone: 1, trainDone: true, trainBatchesDone: 4 });
    const again = await makeLearner(plugins(dir));
    await again.fitOneCycle(3, 0.05, { resume: dir });
    expect(state(again)).toEqual(ref);
  });

  it('interrupted mid-training: finishes the epoch on the same batch order, exactly', async () => {
    const ref = await reference();
    const dir = path.join(work, 'train');
    const learn = await makeLearner(plugins(dir));
    const stop = installInterruptHandler(learn, dir, { log: () => {} });
    const trigger: Plugin = { name: 'trigger', afterBatch: (l) => { if (l.epoch === 2 && l.training && l.iter === 1) stop.request(); } };
    await learn.fitOneCycle(3, 0.05, { plugins: [trigger] });
    expect(stop.finish()).toBe(130);
    expect(readCheckpoint(dir).manifest.progress).toMatchObject({ epochsDone: 2, trainDone: false, trainBatchesDone: 2 });
    const again = await makeLearner(plugins(dir));
    await again.fitOneCycle(3, 0.05, { resume: dir });
    expect(state(again)).toEqual(ref);
  });

  it('interrupted after the last training batch of an epoch: the next epoch draws the same shuffled order', async () => {
    const ref = await reference();
    const dir = path.join(work, 'last-batch');
    const learn = await makeLearner(plugins(dir));
    const stop = installInterruptHandler(learn, dir, { log: () => {} });
    const trigger: Plugin = { name: 'trigger', afterBatch: (l) => { if (l.epoch === 1 && l.training && l.iter === 3) stop.request(); } };
    await learn.fitOneCycle(3, 0.05, { plugins: [trigger] });
    expect(stop.finish()).toBe(130);
    expect(readCheckpoint(dir).manifest.progress).toMatchObject({ epochsDone: 1, trainDone: false, trainBatchesDone: 4 });
    const again = await makeLearner(plugins(dir));
    await again.fitOneCycle(3, 0.05, { resume: dir });
    expect(state(again)).toEqual(ref);
  });

  it('resuming a finished fit trains nothing more', async () => {
    const dir = path.join(work, 'done');
    const learn = await makeLearner(plugins(dir));
    await learn.fit(2, 0.05);
    const again = await makeLearner(plugins(dir));
    const events: string[] = [];
    await again.fit(2, 0.05, { resume: dir, plugins: [{ name: 'spy', beforeEpoch: () => void events.push('epoch') }] });
    expect(events).toEqual([]);
    expect(again.model.parameters().map((p) => Array.from(p.dataSync()))).toEqual(learn.model.parameters().map((p) => Array.from(p.dataSync())));
    expect(again.recorder!.values).toEqual(learn.recorder!.values);
  });
});
