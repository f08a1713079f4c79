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

  it('formats cells like fastai: the epoch as an integer, floats with 6 decimals, null as empty', () => {
    expect(formatCell(3, 0)).toBe('3');
    expect(formatCell(0.1234567, 1)).toBe('0.123457');
    expect(formatCell(null, 2)).toBe('');
    expect(formatCell('00:07', 4)).toBe('00:07');
  });
});
