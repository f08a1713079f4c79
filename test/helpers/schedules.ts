import { expect } from 'vitest';
import { definePlugin } from '../../plugin-sdk/index.ts';
import { Learner, type LearnerOptions } from '../../runtime/learner/learner.ts';
import { TinyLinear, tinyData } from './tiny.ts';

// Shared by the tests of the fit variants and of the scheduling plugins (param-scheduler, one-cycle).

export const closeRel = (a: number, b: number, rel: number) => expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(Math.abs(b) * rel + 1e-300);

export function tinyLearner(nTrain: number, extra: Partial<LearnerOptions> = {}) {
  return Learner.create({ model: new TinyLinear(), dls: tinyData(nTrain, 1, 2), lossFunc: 'mse', optimizer: 'adam', backend: 'cpu', quiet: true, ...extra });
}

/** Records `learn.pctTrain` at each training `beforeBatch` and every group's lr after each training batch. */
export function probe() {
  const pcts: number[] = [];
  const groupLrs: number[][] = [];
  const plugin = definePlugin({
    name: 'probe',
    order: 70,
    runValid: false,
    beforeBatch: (learn) => void pcts.push(learn.pctTrain),
    afterBatch: (learn) => void groupLrs.push(learn.opt.hypers.map((h) => h.lr)),
  });
  return { plugin, pcts, groupLrs };
}
