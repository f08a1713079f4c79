import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import type { Plugin } from '../../plugin-sdk/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

async function tinyLearner(plugins: Parameters<typeof Learner.create>[0]['plugins'] = []) {
  return Learner.create({ model: new TinyLinear(), dls: tinyData(), lossFunc: 'mse', optimizer: 'sgd', lr: 0.1, plugins, backend: 'cpu', quiet: true });
}

const tapsOf = (learn: Learner) => learn.explain().map(({ event, taps }) => `${event}:${taps.join(',')}`);

describe('learner edge cases', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a plugin set that cannot be ordered leaves the current plugins tapped (addPlugins, fit plugins)', async () => {
    const a: Plugin = { name: 'a', runAfter: ['b'], beforeFit() {} };
    const learn = await tinyLearner([a]);
    const before = tapsOf(learn);
    expect(before.find((t) => t.startsWith('afterBatch:'))).toBe('afterBatch:recorder');

    const b: Plugin = { name: 'b', runAfter: ['a'], beforeFit() {} };
    await expect(learn.addPlugins([b])).rejects.toMatchObject({ code: 'E_ORDER_CYCLE' });
    expect(tapsOf(learn)).toEqual(before);
    expect(learn.plugins.map((p) => p.name)).toEqual(['a', 'recorder']);

    await expect(learn.fit(1, undefined, { plugins: [b] })).rejects.toMatchObject({ code: 'E_ORDER_CYCLE' });
    expect(tapsOf(learn)).toEqual(before);
    await expect(learn.fit(1, undefined, { plugins: ['recorder'] })).rejects.toMatchObject({ code: 'E_PLUGIN_INVALID' });
    expect(tapsOf(learn)).toEqual(before);

    // The failed add is forgotten: a later fit runs the original plugins and records as before.
    await learn.fit(1);
    expect(learn.recorder!.values).toHaveLength(1);
  });

  it('a temporary plugin whose apply throws leaves the learner with its own plugins', async () => {
    const learn = await tinyLearner();
    const before = tapsOf(learn);
    const bad: Plugin = {
      name: 'bad',
      apply(l) {
        l.hooks.afterBatch.tap('bad-direct', () => {});
        throw new Error('no');
      },
    };
    await expect(learn.fit(1, undefined, { plugins: [bad] })).rejects.toThrow('no');
    expect(tapsOf(learn)).toEqual(before);
  });

  it('a new `loss` tensor set by a plugin in afterLoss lives until the batch ends, then is disposed', async () => {
    const learn = await tinyLearner([{ name: 'double-loss', afterLoss: (l) => void (l.loss = tf.mul(l.loss!, 2) as tf.Scalar) }]);
    await learn.fit(1);
    const n0 = tf.memory().numTensors;
    await learn.fit(2);
    expect(tf.memory().numTensors).toBe(n0);
    const reference = await tinyLearner();
    await reference.fit(1);
    await reference.fit(2);
    // The recorder read the doubled loss (no "Tensor is disposed"): valid loss is twice the reference's.
    const [, validLoss] = learn.recorder!.values.at(-1)!;
    const [, refValidLoss] = reference.recorder!.values.at(-1)!;
    expect(validLoss).toBeCloseTo(2 * refValidLoss!, 5);
  });

  it('a model returning several tensors with nothing to pick one fails naming the cause, and leaks nothing', async () => {
    const inner = new TinyLinear();
    const model = {
      forward: (xb: tf.Tensor[]) => {
        const p = inner.forward(xb) as tf.Tensor;
        return [p, tf.mul(p, 1)];
      },
      parameters: () => inner.parameters(),
    };
    const learn = await Learner.create({ model, dls: tinyData(), lossFunc: 'mse', optimizer: 'sgd', backend: 'cpu', quiet: true });
    const n0 = tf.memory().numTensors;
    const error = await learn.fit(1).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CONFIG' });
    expect((error as Error).message).toMatch(/the model returned 2 tensors, not one \(pred.reshape is not a function\); add a plugin that picks the prediction in afterPred/);
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('a plugin failing in afterCreate is named without a training position (there is none yet)', async () => {
    const boom: Plugin = { name: 'boom', afterCreate: () => { throw new Error('no config'); } };
    await expect(tinyLearner([boom])).rejects.toThrow(/^plugin "boom" failed on event "afterCreate": no config$/);
  });
});

describe('direct taps', () => {
  it('keep running after the plugins when plugins change (a fit with temporary plugins, addPlugins, removePlugin)', async () => {
    const learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(), lossFunc: 'mse', optimizer: 'sgd', backend: 'cpu', quiet: true });
    learn.hooks.afterBatch.tap('direct', () => {});
    const afterBatch = () => learn.explain().find((e) => e.event === 'afterBatch')!.taps;
    expect(afterBatch()).toEqual(['recorder', 'direct']);
    await learn.fit(1, 1e-2, { plugins: [{ name: 'temp', afterBatch: () => {} }] });
    expect(afterBatch()).toEqual(['recorder', 'direct']);
    await learn.addPlugins([{ name: 'extra', afterBatch: () => {} }]);
    expect(afterBatch()).toEqual(['extra', 'recorder', 'direct']); // extra: order 0, recorder: 50
    learn.removePlugin('extra');
    expect(afterBatch()).toEqual(['recorder', 'direct']);
  });
});
