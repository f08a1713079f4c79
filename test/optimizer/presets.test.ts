import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOptimizer, type HyperOverrides, type PresetName } from '../../runtime/optimizer/index.ts';
import { compareWithReference, makeParams } from './harness.ts';
import type { RefHypers } from './reference.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ADAM_LIKE = ['average-grad', 'average-sqr-grad', 'step-stat'];
const DAMPED = { dampening: 1, sqrDampening: 1 };

interface PresetCase {
  title: string;
  preset: PresetName;
  options: HyperOverrides;
  /** fastai's stepper list for this configuration (spec §3.6). */
  steppers: string[];
  /** fastai's signature defaults with the options applied (plus tapfit's dampening switches). */
  hypers: RefHypers;
  lookahead?: { k: number; alpha: number };
}

const CASES: PresetCase[] = [
  { title: 'SGD', preset: 'sgd', options: { lr: 0.05 }, steppers: ['weight-decay', 'sgd-step'], hypers: { lr: 0.05, mom: 0, wd: 0 } },
  { title: 'SGD, wd decoupled', preset: 'sgd', options: { lr: 0.05, wd: 0.1 }, steppers: ['weight-decay', 'sgd-step'], hypers: { lr: 0.05, mom: 0, wd: 0.1 } },
  { title: 'SGD, wd as L2', preset: 'sgd', options: { lr: 0.05, wd: 0.1, decoupleWd: false }, steppers: ['l2-reg', 'sgd-step'], hypers: { lr: 0.05, mom: 0, wd: 0.1 } },
  {
    title: 'SGD momentum, wd decoupled', preset: 'sgd', options: { lr: 0.02, mom: 0.9, wd: 0.05 },
    steppers: ['weight-decay', 'average-grad', 'momentum-step'], hypers: { lr: 0.02, mom: 0.9, wd: 0.05, dampening: 0 },
  },
  {
    title: 'SGD momentum, wd as L2', preset: 'sgd', options: { lr: 0.02, mom: 0.9, wd: 0.05, decoupleWd: false },
    steppers: ['l2-reg', 'average-grad', 'momentum-step'], hypers: { lr: 0.02, mom: 0.9, wd: 0.05, dampening: 0 },
  },
  {
    title: 'RMSProp', preset: 'rmsprop', options: { lr: 0.01 },
    steppers: ['weight-decay', 'average-sqr-grad', 'rms-prop-step'], hypers: { lr: 0.01, mom: 0, sqrMom: 0.99, sqrDampening: 1, eps: 1e-8, wd: 0 },
  },
  {
    title: 'RMSProp with momentum, honouring eps', preset: 'rmsprop', options: { lr: 0.001, mom: 0.9, eps: 1e-3 },
    steppers: ['weight-decay', 'average-grad', 'average-sqr-grad', 'rms-prop-step'],
    hypers: { lr: 0.001, mom: 0.9, dampening: 0, sqrMom: 0.99, sqrDampening: 1, eps: 1e-3, wd: 0 },
  },
  {
    title: 'RMSProp, wd as L2', preset: 'rmsprop', options: { lr: 0.01, wd: 0.1, decoupleWd: false },
    steppers: ['l2-reg', 'average-sqr-grad', 'rms-prop-step'], hypers: { lr: 0.01, mom: 0, sqrMom: 0.99, sqrDampening: 1, eps: 1e-8, wd: 0.1 },
  },
  {
    title: 'Adam (default wd 0.01, decoupled)', preset: 'adam', options: { lr: 0.01 },
    steppers: ['weight-decay', ...ADAM_LIKE, 'adam-step'], hypers: { lr: 0.01, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01, ...DAMPED },
  },
  {
    title: 'Adam, wd as L2', preset: 'adam', options: { lr: 0.01, wd: 0.1, decoupleWd: false },
    steppers: ['l2-reg', ...ADAM_LIKE, 'adam-step'], hypers: { lr: 0.01, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.1, ...DAMPED },
  },
  {
    title: 'RAdam (across its warm-up)', preset: 'radam', options: { lr: 0.01 },
    steppers: ['weight-decay', ...ADAM_LIKE, 'radam-step'], hypers: { lr: 0.01, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0, beta: 0, ...DAMPED },
  },
  {
    title: 'RAdam, wd as L2, beta', preset: 'radam', options: { lr: 0.01, wd: 0.05, beta: 5, decoupleWd: false },
    steppers: ['l2-reg', ...ADAM_LIKE, 'radam-step'], hypers: { lr: 0.01, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.05, beta: 5, ...DAMPED },
  },
  {
    title: 'QHAdam', preset: 'qhadam', options: { lr: 0.01 },
    steppers: ['weight-decay', ...ADAM_LIKE, 'qhadam-step'], hypers: { lr: 0.01, mom: 0.999, sqrMom: 0.999, nu1: 0.7, nu2: 1, eps: 1e-8, wd: 0, ...DAMPED },
  },
  {
    title: 'QHAdam, wd decoupled, nu2 < 1', preset: 'qhadam', options: { lr: 0.01, wd: 0.1, nu2: 0.9 },
    steppers: ['weight-decay', ...ADAM_LIKE, 'qhadam-step'], hypers: { lr: 0.01, mom: 0.999, sqrMom: 0.999, nu1: 0.7, nu2: 0.9, eps: 1e-8, wd: 0.1, ...DAMPED },
  },
  {
    title: 'LARC', preset: 'larc', options: { lr: 0.05 },
    steppers: ['weight-decay', 'average-grad', 'larc-layer-lr', 'larc-step'], hypers: { lr: 0.05, mom: 0.9, dampening: 0, clip: 1, trustCoeff: 0.02, eps: 1e-8, wd: 0 },
  },
  {
    title: 'LARC without momentum or clip, wd as L2', preset: 'larc', options: { lr: 0.05, mom: 0, clip: false, wd: 0.01, decoupleWd: false },
    steppers: ['l2-reg', 'larc-layer-lr', 'larc-step'], hypers: { lr: 0.05, mom: 0, clip: 0, trustCoeff: 0.02, eps: 1e-8, wd: 0.01 },
  },
  {
    title: 'Lamb', preset: 'lamb', options: { lr: 0.01 },
    steppers: ['weight-decay', ...ADAM_LIKE, 'lamb-step'], hypers: { lr: 0.01, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0, ...DAMPED },
  },
  {
    title: 'Lamb, wd decoupled', preset: 'lamb', options: { lr: 0.01, wd: 0.1 },
    steppers: ['weight-decay', ...ADAM_LIKE, 'lamb-step'], hypers: { lr: 0.01, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.1, ...DAMPED },
  },
  {
    title: 'Lamb, wd as L2', preset: 'lamb', options: { lr: 0.01, wd: 0.1, decoupleWd: false },
    steppers: ['l2-reg', ...ADAM_LIKE, 'lamb-step'], hypers: { lr: 0.01, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.1, ...DAMPED },
  },
  {
    title: 'ranger = lookahead(RAdam), syncing at step 6', preset: 'ranger', options: { lr: 0.01 },
    steppers: ['weight-decay', ...ADAM_LIKE, 'radam-step'], hypers: { lr: 0.01, mom: 0.95, sqrMom: 0.99, eps: 1e-6, wd: 0.01, beta: 0, ...DAMPED },
    lookahead: { k: 6, alpha: 0.5 },
  },
  {
    title: 'ranger with k and alpha', preset: 'ranger', options: { lr: 0.01, k: 3, alpha: 0.8 },
    steppers: ['weight-decay', ...ADAM_LIKE, 'radam-step'], hypers: { lr: 0.01, mom: 0.95, sqrMom: 0.99, eps: 1e-6, wd: 0.01, beta: 0, ...DAMPED },
    lookahead: { k: 3, alpha: 0.8 },
  },
];

describe('presets: fastai stepper lists, defaults, and values after 1, 2 and 10 steps', () => {
  for (const c of CASES) {
    it(c.title, async () => {
      const params = makeParams();
      const opt = await createOptimizer(params, c.preset, c.options);
      expect(opt.stepperNames).toEqual(c.lookahead ? [...c.steppers, 'lookahead'] : c.steppers);
      expect(opt.hypers).toEqual([c.hypers]);
      const errors = compareWithReference(opt, params, { steppers: c.steppers, hypers: c.hypers, lookahead: c.lookahead });
      for (const e of Object.values(errors)) expect(e).toBeLessThanOrEqual(1);
      opt.dispose();
      params.forEach((p) => p.dispose());
    });
  }

  it('presets default lr to fastai defaults.lr (1e-3)', async () => {
    const opt = await createOptimizer(makeParams(), 'adam');
    expect(opt.hypers[0].lr).toBe(1e-3);
  });

  it('an unknown preset name is refused, listing the presets', async () => {
    await expect(createOptimizer(makeParams(), 'adamw' as PresetName)).rejects.toThrow(/unknown optimizer preset "adamw".*sgd, rmsprop, adam/);
  });

  it('hypers may be given per group, or as an lr slice', async () => {
    const groups = [makeParams([[2]]), makeParams([[2]]), makeParams([[2]])];
    const opt = await createOptimizer(groups, 'sgd', { lr: { start: 1e-4, end: 1e-2 }, wd: [0, 0.1, 0.2] });
    expect(opt.hypers.map((h) => h.lr)).toEqual([1e-4, expect.closeTo(1e-3, 12), 1e-2]);
    expect(opt.hypers.map((h) => h.wd)).toEqual([0, 0.1, 0.2]);
  });
});
