import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import type { Plugin } from '../../plugin-sdk/index.ts';
import type { PluginSpec } from '../../runtime/plugin-host/load-plugins.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-csv-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const mae = { name: 'mae', fn: (pred: tf.Tensor, y: tf.Tensor) => tf.losses.absoluteDifference(y, pred) as tf.Scalar };
const makeLearner = (plugins: PluginSpec[]) =>
  Learner.create({ model: new TinyLinear(), dls: tinyData(2, 1, 2), lossFunc: 'mse', metrics: [mae], backend: 'cpu', quiet: true, plugins });
const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

describe('csv-logger', () => {
  it("writes metricNames, then each epoch's row as soon as the epoch ends (values as Python prints them)", async () => {
    const fname = path.join(work, 'sub', 'history.csv');
    const seen: number[] = [];
    const reader: Plugin = { name: 'reader', order: 99, afterEpoch: () => void seen.push(lines(fname).length) };
    const learn = await makeLearner([['csv-logger', { fname }], reader]);
    await learn.fit(3);
    expect(seen).toEqual([2, 3, 4]); // flushed at every epoch, not at the end
    const rows = lines(fname);
    expect(rows[0]).toBe('epoch,train_loss,valid_loss,mae,time');
    rows.slice(1).forEach((row, epoch) => {
      const cells = row.split(',');
      expect(cells[0]).toBe(String(epoch));
      expect(cells.slice(1, 4).map(Number)).toEqual(learn.recorder!.values[epoch]);
      expect(cells[4]).toMatch(/^\d\d:\d\d$/);
    });
  });

  it('replaces the file by default and appends with append: true (a header per fit)', async () => {
    const fname = path.join(work, 'append.csv');
    writeFileSync(fname, 'old content\n');
    await (await makeLearner([['csv-logger', { fname }]])).fit(1);
    expect(lines(fname)).toHaveLength(2);
    const learn = await makeLearner([['csv-logger', { fname, append: true }]]);
    await learn.fit(2);
    expect(lines(fname).map((l) => l.split(',')[0])).toEqual(['epoch', '0', 'epoch', '0', '1']);
  });

  it('a resumed fit puts back the rows it had and drops what the interrupted run wrote after them', async () => {
    const fname = path.join(work, 'resumed.csv');
    const dir = path.join(work, 'ckpt');
    writeFileSync(fname, 'previous run\n');
    const plugins: PluginSpec[] = [['csv-logger', { fname, append: true }], ['save-model', { dir }]];
    // A crash in epoch 1's afterEpoch: csv-logger (order 60) wrote row 1, save-model's checkpoint is from epoch 0.
    const crash: Plugin = { name: 'crash', order: 99, afterEpoch: (l) => { if (l.epoch === 1) throw new Error('crash'); } };
    await expect((await makeLearner([...plugins, crash])).fit(3)).rejects.toThrow(/crash/);
    const before = lines(fname);
    expect(before.at(-1)!.startsWith('1,')).toBe(true); // epoch 1's row was written before the crash
    const resumed = await makeLearner(plugins);
    await resumed.fit(3, undefined, { resume: dir });
    const after = lines(fname);
    const fitStart = after.lastIndexOf('epoch,train_loss,valid_loss,mae,time');
    expect(after.slice(fitStart).map((l) => l.split(',')[0])).toEqual(['epoch', '0', '1', '2']);
    expect(after.slice(0, fitStart)).toEqual(before.slice(0, before.lastIndexOf('epoch,train_loss,valid_loss,mae,time')));
  });
});
