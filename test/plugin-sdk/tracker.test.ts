import { describe, expect, it } from 'vitest';
import { pyRepr, Tracker, type Plugin } from '../../plugin-sdk/index.ts';
import { fakeRecords, makeLearner } from '../helpers/trackers.ts';

describe('Tracker (TC23)', () => {
  const cases = [
    { name: "TrackerCallback('valid_loss')", opts: { monitor: 'valid_loss' }, bests: [0.2, 0.1], flags: [true, true] },
    { name: 'min_delta = 0.15', opts: { monitor: 'valid_loss', minDelta: 0.15 }, bests: [0.2, 0.2], flags: [true, false] },
    { name: "monitor = 'tst_metric' (greater by default)", opts: { monitor: 'tst_metric' }, bests: [0.2, 0.2], flags: [true, false] },
    { name: 'same, with comp = less', opts: { monitor: 'tst_metric', comp: 'less' as const }, bests: [0.2, 0.1], flags: [true, true] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const tracker = new Tracker('test-tracker', { minDelta: 0, resetOnFit: true, ...c.opts });
      const bests: (number | null)[] = [];
      const flags: boolean[] = [];
      const probe: Plugin = {
        name: 'probe',
        order: 60,
        beforeFit: (l) => void tracker.beforeFit(l),
        afterEpoch(l) {
          flags.push(tracker.update(l));
          bests.push(tracker.best);
        },
      };
      const { learn } = await makeLearner([fakeRecords(c.opts.monitor, [0.2, 0.1]), probe]);
      await learn.fit(2);
      expect(bests).toEqual(c.bests);
      expect(flags).toEqual(c.flags);
    });
  }

  it('refuses a monitor the recorder does not record', async () => {
    const { learn } = await makeLearner([['early-stopping', { monitor: 'accuracy' }]]);
    await expect(learn.fit(1)).rejects.toThrow(/early-stopping: monitor "accuracy" is not recorded; the recorder has "train_loss", "valid_loss", "tst_metric", "time"/);
  });

  it("formats numbers as Python's repr does", () => {
    expect([1e-8, 1e-5, 1e-4, 0.1, 2, 1.5e-7, 123.25, 1e16, Infinity, Number.NaN].map(pyRepr)).toEqual([
      '1e-08', '1e-05', '0.0001', '0.1', '2.0', '1.5e-07', '123.25', '1e+16', 'inf', 'nan',
    ]);
  });
});
