import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { definePlugin } from '../../plugin-sdk/index.ts';
import { learnerFromConfig } from '../../runtime/config/build.ts';
import type { LoadedConfig } from '../../runtime/config/discover.ts';
import { ConfigError } from '../../runtime/config/errors.ts';
import { runFit } from '../../runtime/config/run-fit.ts';
import { validateConfig } from '../../runtime/config/validate.ts';
import { DataLoaders } from '../../runtime/data/dataloaders.ts';

const FIX = path.resolve('test/fixtures/configs');
const tinyMnist = ['mnist', { nTrain: 32, nValid: 16, batchSize: 16 }];

/** A config as `loadConfig` would return it, without a file. */
function loaded(raw: unknown, baseDir = FIX): LoadedConfig {
  return { config: validateConfig(raw, 'test.json'), file: path.join(baseDir, 'test.json'), displayName: 'test.json', baseDir };
}

const params = (learn: { model: { parameters(): tf.Variable[] } }) => learn.model.parameters().map((p) => Array.from(p.dataSync()));

describe('learnerFromConfig', () => {
  it('builds the LSTM language model on human numbers, with the plugins and metric it needs', async () => {
    const learn = await learnerFromConfig(
      loaded({
        model: ['lstm-lm', { nHidden: 16, dropout: 0 }],
        data: ['human-numbers', { upTo: 60, batchSize: 4, seqLen: 8 }],
        fit: { method: 'fit', epochs: 1, lr: 1e-2 },
      }),
      { quiet: true },
    );
    expect(learn.plugins.map((p) => p.name)).toEqual(expect.arrayContaining(['recorder', 'model-resetter', 'rnn-outputs']));
    expect(learn.metrics.map((m) => m.name)).toEqual(['accuracy']);
    await runFit(learn, { method: 'fit', epochs: 1, lr: 1e-2 });
    const [row] = learn.recorder!.values;
    expect(row.every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
  });

  it('seeds the model: same seed, same weights; another seed, other weights', async () => {
    const a = await learnerFromConfig(loaded({ model: 'mnist-mlp', data: tinyMnist, seed: 3 }), { quiet: true });
    const b = await learnerFromConfig(loaded({ model: 'mnist-mlp', data: tinyMnist, seed: 3 }), { quiet: true });
    const c = await learnerFromConfig(loaded({ model: 'mnist-mlp', data: tinyMnist, seed: 4 }), { quiet: true });
    expect(params(b)).toEqual(params(a));
    expect(params(c)[0]).not.toEqual(params(a)[0]);
  });

  it('passes fit.lr and fit.wd to the learner and its optimizer', async () => {
    const learn = await learnerFromConfig(loaded({ model: 'mnist-mlp', data: tinyMnist, optimizer: 'sgd', fit: { method: 'fit', epochs: 1, lr: 0.05, wd: 0.2 } }), { quiet: true });
    expect(learn.lr).toBe(0.05);
    expect(learn.opt.hypers[0].wd).toBe(0.2);
    expect(learn.opt.stepperNames).toEqual(['weight-decay', 'sgd-step']);
  });

  it('orders config plugins with the defaults and the extra ones; options reach the plugin', async () => {
    const learn = await learnerFromConfig(
      loaded({ model: 'mnist-mlp', data: tinyMnist, plugins: [['./plugins/scaled-loss.ts', { factor: 3 }], ['recorder', { addTime: false }]] }),
      { quiet: true, extraPlugins: ['progress'] },
    );
    // The configured recorder replaces the default one (no second recorder), with its options.
    expect(learn.plugins.map((p) => p.name)).toEqual(['scaled-loss', 'recorder', 'progress']);
    await runFit(learn, { method: 'fit', epochs: 1 });
    expect(learn.recorder!.metricNames).toEqual(['epoch', 'train_loss', 'valid_loss']);
  });

  it('accepts factories and plugin objects given directly (a JS/TS config)', async () => {
    const seen: unknown[] = [];
    const data = (options: Record<string, unknown>, ctx: { seed: number }) => {
      seen.push(['data', options, ctx.seed]);
      const x = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]);
      const y = tf.tensor1d([0, 1, 0, 1], 'int32');
      return DataLoaders.fromTensors({ train: [x, y], valid: [x.clone(), y.clone()] }, { batchSize: 2, shuffle: false });
    };
    const model = (_: Record<string, unknown>, ctx: { dls?: unknown }) => {
      seen.push(['model', ctx.dls instanceof DataLoaders]);
      return tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2 })] });
    };
    const marker = definePlugin({ name: 'marker', afterFit: (l) => l.log('marker ran') });
    const logs: string[] = [];
    const learn = await learnerFromConfig(loaded({ model, data, plugins: [marker], seed: 11, fit: { method: 'fit', epochs: 1 } }), { logger: (m) => logs.push(m) });
    await runFit(learn, { method: 'fit', epochs: 1 });
    expect(seen).toEqual([['data', {}, 11], ['model', true]]);
    expect(logs).toContain('marker ran');
  });

  it('reports factories that return the wrong thing, and optimizer problems found at creation, under their key', async () => {
    const bad = async (raw: object) => {
      const error = await learnerFromConfig(loaded(raw), { quiet: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    };
    expect(await bad({ model: () => 42, data: tinyMnist })).toMatch(/^test\.json: model: the model factory returned 42, expected a tf\.LayersModel or a Module/);
    expect(await bad({ model: 'mnist-mlp', data: () => ({ train: [] }) })).toMatch(/^test\.json: data: the data factory returned \{"train":\[\]\}, expected DataLoaders/);
    expect(await bad({ model: 'mnist-mlp', data: () => { throw new Error('no such bucket'); } })).toMatch(/^test\.json: data: data factory failed: no such bucket$/);
    // qhadam-step reads nu1 and nu2, which no stepper here provides.
    const steppers = ['average-grad', 'average-sqr-grad', 'step-stat', 'qhadam-step'];
    expect(await bad({ model: 'mnist-mlp', data: tinyMnist, optimizer: { steppers } })).toMatch(/^test\.json: optimizer: .*nu1/);
  });
});
