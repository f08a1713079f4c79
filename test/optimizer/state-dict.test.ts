import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptimizerStateDict } from '../../plugin-sdk/index.ts';
import { PRESET_NAMES, createOptimizer, lookahead, type HyperOverrides } from '../../runtime/optimizer/index.ts';
import { makeParams, stepWith } from './harness.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const OPTIONS: HyperOverrides = { lr: 0.01, mom: 0.9, wd: 0.01 };
const copyOf = (params: tf.Variable[]) => params.map((p) => tf.variable(p.clone()));

describe('state dict round-trip: 5 steps, save, restore into a fresh optimizer, 5 more = 10 uninterrupted', () => {
  for (const preset of PRESET_NAMES) {
    it(preset, async () => {
      const straight = makeParams();
      const reference = await createOptimizer(straight, preset, OPTIONS);
      for (let t = 1; t <= 10; t++) stepWith(reference, straight, t);

      const first = makeParams();
      const before = await createOptimizer(first, preset, OPTIONS);
      for (let t = 1; t <= 5; t++) stepWith(before, first, t);
      const saved = JSON.stringify(before.stateDict());
      const resumedParams = copyOf(first);
      // Built like the original (the stepper list depends on `mom`); hypers then come from the state dict.
      const resumed = await createOptimizer(resumedParams, preset, { ...OPTIONS, lr: 0.5 });
      resumed.loadStateDict(JSON.parse(saved) as OptimizerStateDict);
      expect(resumed.hypers).toEqual(before.hypers);
      for (let t = 6; t <= 10; t++) stepWith(resumed, resumedParams, t);

      resumedParams.forEach((p, j) => expect(Array.from(p.dataSync())).toEqual(Array.from(straight[j].dataSync())));
      for (const x of [reference, before, resumed]) x.dispose();
      for (const p of [...straight, ...first, ...resumedParams]) p.dispose();
    });
  }

  it('the state dict is plain JSON: tensors as { shape, values }', async () => {
    const params = makeParams();
    const opt = await createOptimizer(params, 'adam', OPTIONS);
    opt.state(params[1]).doWd = false;
    stepWith(opt, params, 1);
    const sd = opt.stateDict();
    expect(JSON.parse(JSON.stringify(sd))).toEqual(sd);
    expect(sd.state[0].gradAvg).toEqual({ shape: [2, 3], values: Array.from((opt.state(params[0]).gradAvg as tf.Tensor).dataSync()) });
    expect(sd.state[1]).toMatchObject({ step: 1, doWd: false });
  });

  it('a lookahead state dict carries its count and slow weights', async () => {
    const params = makeParams();
    const opt = await createOptimizer(params, 'ranger', OPTIONS);
    expect(opt.stateDict().extra).toEqual({ count: 0, slowWeights: null });
    stepWith(opt, params, 1);
    const extra = opt.stateDict().extra as { count: number; slowWeights: { shape: number[] }[] };
    expect(extra.count).toBe(1);
    expect(extra.slowWeights.map((s) => s.shape)).toEqual([[2, 3], [4]]);
  });
});

describe('state dicts that do not fit are refused', () => {
  it('different group count', async () => {
    const [a, b] = makeParams();
    const sd = (await createOptimizer([[a], [b]], 'sgd')).stateDict();
    const other = await createOptimizer([a, b], 'sgd');
    expect(() => other.loadStateDict(sd)).toThrow(expect.objectContaining({ code: 'E_OPTIMIZER', message: expect.stringMatching(/2 hyper groups.*1 parameter groups/) }));
  });

  it('different parameter count', async () => {
    const [a, b] = makeParams();
    const sd = (await createOptimizer([a, b], 'sgd')).stateDict();
    const other = await createOptimizer([a], 'sgd');
    expect(() => other.loadStateDict(sd)).toThrow(expect.objectContaining({ code: 'E_OPTIMIZER', message: expect.stringMatching(/state for 2 parameters, this optimizer has 1/) }));
  });

  it('a plain state dict into lookahead', async () => {
    const params = makeParams();
    const sd = (await createOptimizer(params, 'radam')).stateDict();
    const ranger = await createOptimizer(params, 'ranger');
    expect(() => ranger.loadStateDict(sd)).toThrow(/no lookahead state/);
  });

  it('clearState on lookahead resets its count and slow weights', async () => {
    const params = makeParams();
    const opt = lookahead(await createOptimizer(params, 'sgd', { lr: 0.1 }), { k: 2 });
    stepWith(opt, params, 1);
    const n = tf.memory().numTensors;
    opt.clearState();
    expect(opt.stateDict().extra).toEqual({ count: 0, slowWeights: null });
    expect(tf.memory().numTensors).toBe(n - params.length);
  });
});
