import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { schedLin, TapfitError, type Module, type Plugin, type Pred } from '../../plugin-sdk/index.ts';
import type { PluginSpec } from '../../runtime/plugin-host/load-plugins.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-leaks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function fitError(plugins: PluginSpec[], model: Module = new TinyLinear(), nEpoch = 5) {
  const learn = await Learner.create({ model, dls: tinyData(3, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true, plugins });
  const error = await learn.fit(nEpoch, 0.01, { checkLeaks: true }).then(() => null, (e: unknown) => e);
  return { learn, error: error as TapfitError | null };
}

describe('checkLeaks', () => {
  it('names the plugin and the batch event that leaves a tensor behind, and stops the fit early', async () => {
    // afterLoss runs on 3 training and 1 validation batch per epoch.
    const leaky: Plugin = { name: 'leaky', afterLoss: (l) => void tf.keep(tf.mul(l.loss!, 2)) };
    const { learn, error } = await fitError([leaky]);
    expect(error).toBeInstanceOf(TapfitError);
    expect(error!.code).toBe('E_LEAK');
    expect(error!.message).toMatch(/^checkLeaks: tf\.memory\(\)\.numTensors grew by 4 from the end of epoch 0 to the end of epoch 1 \(\d+ → \d+\): the count first grew after "afterLoss": 4 created by plugin "leaky" on "afterLoss" were never disposed/);
    expect(learn.recorder!.values).toHaveLength(2); // stopped before a third epoch
  });

  it('names a fit-level event', async () => {
    const kept: tf.Tensor[] = [];
    const hoarder: Plugin = { name: 'hoarder', afterValidate: () => void kept.push(tf.zeros([2])) };
    const { error } = await fitError([hoarder]);
    expect(error!.message).toMatch(/grew by 1 from the end of epoch 0 to the end of epoch 1 .*first grew after "afterValidate": 1 created by plugin "hoarder" on "afterValidate"/);
    tf.dispose(kept);
  });

  it("names the learner's own code (here the model) when no plugin made the tensors", async () => {
    const kept: tf.Tensor[] = [];
    class LeakyModel extends TinyLinear {
      override forward(inputs: tf.Tensor[]): Pred {
        kept.push(tf.keep(tf.ones([1])));
        return super.forward(inputs);
      }
    }
    const { error } = await fitError([], new LeakyModel());
    // 3 training + 1 validation forward passes per epoch.
    expect(error!.message).toMatch(/grew by 4 from the end of epoch 0 to the end of epoch 1 .*first grew after "beforeBatch": 4 created after "beforeBatch" by the learner's own code/);
    tf.dispose(kept);
  });

  it('passes a clean fit, and a one-epoch fit is not checked', async () => {
    expect((await fitError([])).error).toBeNull();
    expect((await fitError([{ name: 'leaky', afterLoss: (l) => void tf.keep(tf.mul(l.loss!, 2)) }], new TinyLinear(), 1)).error).toBeNull();
  });
});

describe('every built-in plugin on, 1,000 batches', () => {
  it('keeps tf.memory().numTensors constant from epoch to epoch and from fit to fit', async () => {
    const dir = path.join(work, 'all');
    const counts: number[] = [];
    const counter: Plugin = { name: 'counter', afterEpoch: () => void counts.push(tf.memory().numTensors) };
    const learn = await Learner.create({
      model: new TinyLinear(),
      dls: tinyData(100, 5, 1),
      lossFunc: 'mse',
      backend: 'cpu',
      quiet: true,
      plugins: [
        ['progress', { bar: false }],
        ['gradient-clip', { maxNorm: 1 }],
        ['terminate-on-nan', { restoreLast: true }],
        'model-resetter',
        'one-cycle',
        ['param-scheduler', { scheds: { wd: schedLin(0.01, 0) } }],
        ['early-stopping', { patience: 100, restoreBest: true }],
        ['reduce-lr-on-plateau', { patience: 2 }],
        ['save-model', { dir }],
        ['csv-logger', { fname: path.join(dir, 'history.csv') }],
        { ...counter, order: 1000 },
      ],
    });
    await learn.fit(10, 0.01, { checkLeaks: true });
    expect(learn.recorder!.values).toHaveLength(10);
    expect(learn.trainIter).toBe(1000);
    expect(new Set(counts).size).toBe(1);
    const afterFirst = tf.memory().numTensors;
    await learn.fit(2, 0.01, { checkLeaks: true });
    expect(tf.memory().numTensors).toBe(afterFirst);
  });
});
