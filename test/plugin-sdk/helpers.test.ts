import { describe, expect, it } from 'vitest';
import { definePlugin, interp, interpLogX, metricColumn, metricValues, STAGE, type Learner } from '../../plugin-sdk/index.ts';
import { Learner as LearnerClass } from '../../runtime/learner/learner.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

describe('interpLogX', () => {
  it('is interp on log10 x: halfway between 1e-3 and 1e-1 in log space is 1e-2', () => {
    expect(interpLogX(1e-2, [1e-3, 1e-1], [4, 2])).toBeCloseTo(3, 12);
    expect(interpLogX(1e-5, [1e-3, 1e-1], [4, 2])).toBe(4);
    expect(interpLogX(1, [1e-3, 1e-1], [4, 2])).toBe(2);
    expect(interpLogX(10 ** -1.5, [1e-3, 1e-2, 1e-1], [5, 1, 3])).toBe(interp(-1.5, [-3, -2, -1], [5, 1, 3]));
  });
});

describe('metrics by name', () => {
  const recorder = { metricNames: ['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time'], values: [[0.9, 0.8, 0.5], [0.7, null, null], [0.6, 0.5, 0.75]] };

  it('metricColumn skips the leading epoch; unknown names and epoch give -1', () => {
    expect(['train_loss', 'valid_loss', 'accuracy', 'epoch', 'nope'].map((n) => metricColumn(recorder.metricNames, n))).toEqual([0, 1, 2, -1, -1]);
  });

  it('metricValues gives the column per epoch, null where the phase was cancelled, undefined when not recorded', () => {
    expect(metricValues(recorder, 'accuracy')).toEqual([0.5, null, 0.75]);
    expect(metricValues(recorder, 'valid_loss')).toEqual([0.8, null, 0.5]);
    expect(metricValues(recorder, 'f1')).toBeUndefined();
  });
});

describe('STAGE', () => {
  it('a tap at STAGE.first runs before every plugin, one at STAGE.last after every plugin, whatever their order', async () => {
    const seen: string[] = [];
    const early = definePlugin({ name: 'early', order: -1000, afterEpoch: () => void seen.push('early') });
    const late = definePlugin({ name: 'late', order: 1000, afterEpoch: () => void seen.push('late') });
    const learn = await LearnerClass.create({ model: new TinyLinear(), dls: tinyData(1, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true, plugins: [late, early] });
    learn.hooks.afterEpoch.tap({ name: 'last', stage: STAGE.last }, () => void seen.push('last'));
    learn.hooks.afterEpoch.tap({ name: 'first', stage: STAGE.first }, (_: Learner) => void seen.push('first'));
    await learn.fit(1);
    expect(seen).toEqual(['first', 'early', 'late', 'last']);
  });
});
