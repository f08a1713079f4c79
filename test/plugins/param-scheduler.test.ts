import { describe, expect, it } from 'vitest';
import { schedLin } from '../../plugin-sdk/index.ts';
import { closeRel, probe, tinyLearner } from '../helpers/schedules.ts';

describe('param-scheduler (TC16)', () => {
  it('fit(1) with lr = schedLin(1e-3, 1e-2) over 10 batches records 1e-3 + 9e-3·i/10', async () => {
    const learn = await tinyLearner(10);
    await learn.fit(1, undefined, { plugins: [['param-scheduler', { scheds: { lr: schedLin(1e-3, 1e-2) } }]] });
    const lrs = learn.recorder!.hps.lr;
    expect(lrs).toHaveLength(10);
    lrs.forEach((lr, i) => closeRel(lr, 1e-3 + (9e-3 * i) / 10, 1e-12));
  });

  it('sees pctTrain = [0, 1/6, 1/3, 0.5, 2/3, 5/6] over 2 epochs of 3 batches, and leaves validation alone', async () => {
    const learn = await tinyLearner(3);
    const { plugin, pcts } = probe();
    const seen: number[] = [];
    const sched = (pos: number) => (seen.push(pos), 0.01);
    await learn.fit(2, undefined, { plugins: [['param-scheduler', { scheds: { lr: sched } }], plugin] });
    [0, 1 / 6, 1 / 3, 0.5, 2 / 3, 5 / 6].forEach((p, i) => {
      expect(pcts[i]).toBeCloseTo(p, 12);
      expect(seen[i]).toBeCloseTo(p, 12);
    });
    expect(seen).toHaveLength(6);
  });
});
