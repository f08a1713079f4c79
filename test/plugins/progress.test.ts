import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Learner, type LearnerOptions } from '../../runtime/learner/learner.ts';
import { CancelValidateError, definePlugin, type Metric } from '../../plugin-sdk/index.ts';
import { formatCell } from '../../plugins/progress/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const tst: Metric = { name: 'tst_metric', fn: (pred, y) => tf.losses.absoluteDifference(y, pred) as tf.Scalar };

async function withLog(extra: Partial<LearnerOptions> = {}) {
  const lines: string[] = [];
  const learn = await Learner.create({
    model: new TinyLinear(), dls: tinyData(4, 2, 2), lossFunc: 'mse', optimizer: 'adam', backend: 'cpu',
    // The learner's own one-time backend line is not the table's business.
    metrics: [tst], plugins: ['progress'], logger: (m) => void (m.startsWith('tapfit:') || lines.push(m)), ...extra,
  });
  return { learn, lines };
}

describe('progress', () => {
  it("prints fastai's table: a header, then one row per epoch as it ends", async () => {
    const { learn, lines } = await withLog();
    const rowsAtEpochEnd: number[] = [];
    await learn.fit(2, 1e-2, { plugins: [definePlugin({ name: 'count', order: 99, afterEpoch: () => void rowsAtEpochEnd.push(lines.length) })] });
    expect(lines[0]).toBe('epoch     train_loss  valid_loss  tst_metric  time');
    expect(rowsAtEpochEnd).toEqual([2, 3]);
    expect(lines).toHaveLength(3);
    const values = learn.recorder!.values;
    lines.slice(1).forEach((line, e) => {
      const cells = line.split(/\s+/);
      expect(cells[0]).toBe(String(e));
      expect(cells.slice(1, 4)).toEqual(values[e].map((v) => v!.toFixed(6)));
      expect(cells[4]).toMatch(/^\d\d:\d\d$/);
    });
    // Columns line up under the header.
    expect(lines[1].indexOf(values[0][1]!.toFixed(6))).toBe(lines[0].indexOf('valid_loss'));
    expect(lines[1].lastIndexOf(':') - 2).toBe(lines[0].indexOf('time'));
  });

  it('leaves an empty cell for a cancelled phase, and prints the recorder notes', async () => {
    const { learn, lines } = await withLog();
    const plugin = definePlugin({
      name: 'skip-valid',
      beforeValidate: (l) => {
        l.recorder!.addNote('validation skipped in this test');
        throw new CancelValidateError();
      },
    });
    await learn.fit(1, 1e-2, { plugins: [plugin] });
    const header = lines[0];
    const row = lines[1];
    expect(row.slice(header.indexOf('train_loss')).trim()).toMatch(/^\d+\.\d{6}\s+\d\d:\d\d$/);
    expect(row.slice(header.indexOf('valid_loss'), header.indexOf('time')).trim()).toBe('');
    expect(lines[2]).toBe('note: validation skipped in this test');
  });

  it('is silent during lrFind, and entirely in quiet mode', async () => {
    const { learn, lines } = await withLog();
    await learn.lrFind({ numIt: 12 });
    expect(lines).toEqual([]);
    const quiet = await withLog({ quiet: true });
    await quiet.learn.fit(1);
    expect(quiet.lines).toEqual([]);
  });

  it('draws no bar when stdout is not a terminal (as under the test runner), unless asked', async () => {
    const { learn } = await withLog();
    await learn.fit(1);
    expect(learn.plugin<{ name: string; showBar: boolean }>('progress')!.showBar).toBe(Boolean(process.stdout.isTTY));
    const forced = await withLog({ plugins: [['progress', { bar: false }]] });
    await forced.learn.fit(1);
    expect(forced.learn.plugin<{ name: string; showBar: boolean }>('progress')!.showBar).toBe(false);
  });

  it('without a terminal, prints a line per batch with lineEvery 0: position, smoothed loss, rate, ETA; the table stays', async () => {
    const { learn, lines } = await withLog({ plugins: [['progress', { lineEvery: 0 }]] });
    await learn.fit(2, 1e-2);
    const progress = lines.filter((l) => l.startsWith('epoch ') && !l.startsWith('epoch     '));
    // tinyData(4, 2, 2): 4 training and 2 validation batches per epoch.
    const re = /^epoch (\d)\/2 {2}(train|valid) (\d)\/(\d)(?: {2}loss (\d+\.\d{4}))? {2}(\d+\.\d) batches\/s {2}eta (\d\d:\d\d)$/;
    expect(progress.map((l) => l.match(re)?.slice(1, 5).join(' '))).toEqual([
      ...['1 train 1 4', '1 train 2 4', '1 train 3 4', '1 train 4 4', '1 valid 1 2', '1 valid 2 2'],
      ...['2 train 1 4', '2 train 2 4', '2 train 3 4', '2 train 4 4', '2 valid 1 2', '2 valid 2 2'],
    ]);
    // The loss shown is the recorder's smoothed loss after that batch; validation lines show none.
    const trainLosses = progress.filter((l) => l.includes(' train ')).map((l) => l.match(re)![5]);
    expect(trainLosses).toEqual(learn.recorder!.losses.map((v) => v.toFixed(4)));
    expect(progress.filter((l) => l.includes(' valid ')).every((l) => !l.includes('loss'))).toBe(true);
    expect(progress.at(-1)!.match(re)![7]).toBe('00:00');
    // The table rows still come at the end of each epoch, after that epoch's progress lines.
    const header = lines.findIndex((l) => l.startsWith('epoch     train_loss'));
    expect(header).toBe(0);
    expect(lines[7]).toMatch(/^0\s+\d+\.\d{6}/);
    expect(lines[14]).toMatch(/^1\s+\d+\.\d{6}/);
    expect(lines).toHaveLength(15);
  });

  it('throttles the lines to one per lineEvery seconds', async () => {
    const slow = definePlugin({ name: 'slow', afterBatch: () => { const t = performance.now(); while (performance.now() - t < 15) { /* a 15 ms batch */ } } });
    const times: number[] = [];
    const { learn } = await withLog({
      plugins: [['progress', { lineEvery: 0.1 }], slow],
      logger: (m) => void (/ batches\/s /.test(m) && times.push(performance.now())),
    });
    const start = performance.now();
    await learn.fit(2, 1e-2);
    // 12 batches of ≥ 15 ms: at least one line, never two within 100 ms, and none in the first 100 ms.
    expect(times.length).toBeGreaterThanOrEqual(1);
    expect(times.length).toBeLessThan(12);
    expect(times[0] - start).toBeGreaterThanOrEqual(100);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(100);
    const none = await withLog({ plugins: [['progress', { lineEvery: 3600 }]] });
    await none.learn.fit(1, 1e-2);
    expect(none.lines.filter((l) => / batches\/s /.test(l))).toEqual([]);
    const bad = await withLog({ plugins: [['progress', { lineEvery: -1 }]] }).catch((e: Error) => e);
    expect(String(bad)).toMatch(/plugin "progress": invalid options: lineEvery/);
  });

  it('formats cells like fastai: the epoch as an integer, floats with 6 decimals, null as empty', () => {
    expect(formatCell(3, 0)).toBe('3');
    expect(formatCell(0.1234567, 1)).toBe('0.123457');
    expect(formatCell(null, 2)).toBe('');
    expect(formatCell('00:07', 4)).toBe('00:07');
  });
});
