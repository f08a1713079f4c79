import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { mnist } from '../../runtime/data/mnist.ts';
import { mnistCnn } from '../../runtime/models/mnist.ts';
import { definePlugin, type Plugin } from '../../plugin-sdk/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const weightsOf = (learn: Learner) => learn.model.parameters().map((p) => Array.from(p.dataSync()));

describe('lrFind (TC19)', () => {
  it('sweeps lr = 1e-7·(1e8)^(k/100) over 11 epochs of a 10-batch loader, then restores weights and optimizer', async () => {
    const learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(10, 2, 2), lossFunc: 'mse', optimizer: 'adam', backend: 'cpu', quiet: true });
    const fresh = learn.opt.stateDict();
    const before = weightsOf(learn);
    const nEpochs: number[] = [];
    const validBatches: number[] = [];
    await learn.addPlugins([
      definePlugin({
        name: 'spy',
        beforeFit: (l) => void nEpochs.push(l.nEpoch),
        afterBatch: (l) => void (!l.training && validBatches.push(l.iter)),
      }),
    ]);
    const result = await learn.lrFind({ stopDiv: false });
    const r = learn.recorder!;

    expect(nEpochs).toEqual([11]);
    expect(validBatches).toEqual([]); // validation is skipped
    expect(r.lrs).toHaveLength(100);
    expect(r.losses).toHaveLength(100);
    const table: Record<number, number> = { 0: 1e-7, 1: 1.2022644e-7, 10: 6.3095734e-7, 50: 1e-3, 99: 8.3176377 };
    for (const [k, lr] of Object.entries(table)) expect(r.lrs[Number(k)] / lr).toBeCloseTo(1, 7);
    // Batch 100 is the last of epoch 9, where the fit is cancelled before afterEpoch: epochs 0–8 were
    // recorded, each with an empty valid cell.
    expect(r.values).toHaveLength(9);
    for (const row of r.values) expect(row.slice(1)).toEqual([null]);

    expect(weightsOf(learn)).toEqual(before);
    expect(learn.opt.stateDict()).toEqual(fresh);
    expect(learn.opt.stateDict().state).toEqual([{}, {}]);
    // The curve the suggestions were computed from: lrs/losses[10 : -5].
    expect(result.lrs).toEqual(r.lrs.slice(10, 95));
    expect(result.losses).toEqual(r.losses.slice(10, 95));
    for (const name of ['valley', 'minimum', 'steep', 'slide'] as const) {
      expect(result[name]).toBeGreaterThan(0);
      expect(result.suggestions[name]).toBe(result[name]);
    }
  });

  it('stops once the smoothed loss passes 4× its best (that batch recorded), and can be run again', async () => {
    const learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(10, 2, 2), lossFunc: 'mse', optimizer: 'sgd', backend: 'cpu', quiet: true });
    const before = weightsOf(learn);
    const lr = learn.opt.hypers[0].lr;
    const tensors = tf.memory().numTensors;
    await learn.lrFind();
    const { losses, lrs } = learn.recorder!;
    expect(losses.length).toBeLessThan(100);
    expect(lrs).toHaveLength(losses.length);
    const best = Math.min(...losses.slice(0, -1));
    expect(losses.at(-1)!).toBeGreaterThan(4 * best);
    expect(losses.slice(0, -1).every((l, i) => l <= 4 * Math.min(...losses.slice(0, i + 1)))).toBe(true);
    expect(weightsOf(learn)).toEqual(before);
    expect(learn.opt.hypers[0].lr).toBe(lr);
    expect(tf.memory().numTensors).toBe(tensors);
    const custom = await learn.lrFind({ numIt: 20, suggest: { half: (l, ls) => ({ lr: l[0] / 2, point: { lr: l[0], loss: ls[0] } }) } });
    expect(custom.suggestions.half).toBe(custom.lrs[0] / 2);
    expect(custom.points.half).toEqual({ lr: custom.lrs[0], loss: custom.losses[0] });
    expect(weightsOf(learn)).toEqual(before);
  });

  it('real MNIST CNN (wasm): a sane valley; weights, optimizer state and hypers restored exactly', async () => {
    const learn = await Learner.create({
      model: mnistCnn({ seed: 0 }),
      dls: mnist({ nTrain: 640, nValid: 100, batchSize: 32, seed: 0 }),
      optimizer: 'adam',
      backend: 'wasm',
      quiet: true,
    });
    await learn.fit(1, 1e-3); // some optimizer state to restore
    const before = weightsOf(learn);
    const opt = learn.opt.stateDict();
    const pluginsDuringFit: string[][] = [];
    const spy: Plugin = definePlugin({ name: 'spy', afterFit: (l) => void pluginsDuringFit.push(l.plugins.map((p) => p.name)) });
    await learn.addPlugins([spy]);
    const result = await learn.lrFind();
    expect(pluginsDuringFit[0]).toContain('lr-finder');
    expect(result.valley).toBeGreaterThan(1e-4);
    expect(result.valley).toBeLessThan(3e-2);
    expect(result.minimum).toBeGreaterThan(1e-4);
    expect(result.minimum).toBeLessThan(1);
    expect(weightsOf(learn)).toEqual(before);
    expect(learn.opt.stateDict()).toEqual(opt);
    expect(learn.plugin('lr-finder')).toBeUndefined();
  });
});
