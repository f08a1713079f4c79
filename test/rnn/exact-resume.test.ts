import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installInterruptHandler } from '../../runtime/checkpoint/index.ts';
import { mnist } from '../../runtime/data/mnist.ts';
import { Learner } from '../../runtime/learner/learner.ts';
import { mnistCnn, mnistMlp } from '../../runtime/models/mnist.ts';
import type { LstmLM } from '../../runtime/models/lstm-lm.ts';
import type { Plugin } from '../../plugin-sdk/index.ts';
import type { PluginSpec } from '../../runtime/plugin-host/load-plugins.ts';
import { stateValues, tinyLm } from './setup.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-exact-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Make = (plugins: PluginSpec[]) => Promise<Learner>;

const snapshot = (learn: Learner) => ({
  weights: learn.model.parameters().map((p) => Array.from(p.dataSync())),
  opt: JSON.stringify(learn.opt.stateDict()),
  recorder: JSON.stringify({ values: learn.recorder!.values.map((r) => r.filter((v) => typeof v !== 'string')), losses: learn.recorder!.losses, hps: learn.recorder!.hps }),
  counters: [learn.epoch, learn.trainIter, learn.pctTrain],
  hidden: 'state' in learn.model ? stateValues((learn.model as LstmLM).state) : [],
});

interface Point {
  epoch: number;
  training: boolean;
  iter: number;
}

/** Stops the fit (as Ctrl-C does, writing a checkpoint) after the batch at `at`, then resumes in a fresh learner. */
async function stopAndResume(make: Make, fit: (l: Learner, resume?: string) => Promise<void>, at: Point, name: string) {
  const dir = path.join(work, name);
  const learn = await make([]);
  const stop = installInterruptHandler(learn, dir, { log: () => {} });
  const trigger: Plugin = {
    name: 'trigger',
    afterBatch: (l) => {
      if (l.epoch === at.epoch && l.training === at.training && l.iter === at.iter) stop.request();
    },
  };
  await learn.addPlugins([trigger]);
  await fit(learn);
  expect(stop.finish()).toBe(130);
  const again = await make([]);
  await fit(again, dir);
  return snapshot(again);
}

async function checkEveryPoint(make: Make, fit: (l: Learner, resume?: string) => Promise<void>, points: Point[], name: string) {
  const ref = await make([]);
  await fit(ref);
  const expected = snapshot(ref);
  for (const at of points) {
    const got = await stopAndResume(make, fit, at, `${name}-${at.epoch}-${at.training ? 't' : 'v'}${at.iter}`);
    expect(got, `stopped after ${at.training ? 'train' : 'valid'} batch ${at.iter} of epoch ${at.epoch}`).toEqual(expected);
  }
}

const everyPoint = (nEpoch: number, nTrain: number, nValid: number): Point[] =>
  Array.from({ length: nEpoch }, (_, epoch) => [
    ...Array.from({ length: nTrain }, (_, iter) => ({ epoch, training: true, iter })),
    ...Array.from({ length: nValid }, (_, iter) => ({ epoch, training: false, iter })),
  ]).flat();

describe('a resume from any batch of any epoch is bit-identical', () => {
  for (const resetter of [false, true]) {
    it(`LSTM LM with dropout 0.5, ${resetter ? 'with' : 'without'} model-resetter (hidden state and dropout seeds in the checkpoint)`, async () => {
      const make: Make = async (plugins) =>
        (await tinyLm({ dropout: 0.5, plugins: [...(resetter ? ['model-resetter'] : []), 'rnn-outputs', ...plugins] })).learn;
      // 3 training and 1 validation batches per epoch (see tinyLm)
      await checkEveryPoint(make, (l, resume) => l.fitOneCycle(3, 1e-2, resume ? { resume } : {}), everyPoint(3, 3, 1), `lstm-${resetter}`);
    });
  }

  it('the LSTM state round-trips through save/load, and a state for another shape is refused', async () => {
    const { learn, model } = await tinyLm({ plugins: ['rnn-outputs'] });
    await learn.fit(1);
    const file = await learn.save(path.join(work, 'lstm-state'));
    const { learn: other, model: m2 } = await tinyLm({ plugins: ['rnn-outputs'] });
    await other.load(file);
    expect(stateValues(m2.state)).toEqual(stateValues(model.state));
    expect(stateValues(m2.state).length).toBe(2 * 2 * 8 * 4);
    expect(m2.stateDict().nDropouts).toBe(model.stateDict().nDropouts);
    expect(() => m2.loadStateDict({ ...model.stateDict(), h: [new Float32Array(3)] })).toThrow(/LstmLM: the saved state does not fit this model/);
  });

  it('MLP and CNN on shuffled MNIST, stopped mid-training and mid-validation', async () => {
    for (const [name, model] of [['mlp', mnistMlp], ['cnn', mnistCnn]] as const) {
      const make: Make = (plugins) =>
        Learner.create({ model: model({ seed: 3 }), dls: mnist({ nTrain: 30, nValid: 20, batchSize: 10, seed: 5 }), backend: 'cpu', quiet: true, plugins });
      const points = name === 'mlp' ? [{ epoch: 0, training: true, iter: 1 }, { epoch: 1, training: false, iter: 0 }] : [{ epoch: 1, training: true, iter: 1 }];
      await checkEveryPoint(make, (l, resume) => l.fitOneCycle(2, 1e-2, resume ? { resume } : {}), points, name);
    }
  });
});
