import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Optimizer, loadSteppers } from '../../runtime/optimizer/index.ts';
import { compareWithReference, makeParams, stepWith } from '../optimizer/harness.ts';
import type { RefHypers } from '../optimizer/reference.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function build(steppers: string[], hypers: RefHypers) {
  const params = makeParams();
  const opt = new Optimizer(params, await loadSteppers(steppers), hypers);
  return { params, opt };
}

/** Each built-in stepper, composed as small as it can run, against the float64 formulas. */
const CASES: { title: string; steppers: string[]; hypers: RefHypers }[] = [
  { title: 'sgd-step', steppers: ['sgd-step'], hypers: { lr: 0.05 } },
  { title: 'weight-decay (decoupled)', steppers: ['weight-decay', 'sgd-step'], hypers: { lr: 0.05, wd: 0.1 } },
  { title: 'l2-reg', steppers: ['l2-reg', 'sgd-step'], hypers: { lr: 0.05, wd: 0.1 } },
  { title: 'average-grad + momentum-step', steppers: ['average-grad', 'momentum-step'], hypers: { lr: 0.02, mom: 0.9, dampening: 0 } },
  { title: 'average-grad dampened', steppers: ['average-grad', 'momentum-step'], hypers: { lr: 0.05, mom: 0.8, dampening: 1 } },
  { title: 'average-sqr-grad + rms-prop-step', steppers: ['average-sqr-grad', 'rms-prop-step'], hypers: { lr: 0.01, sqrMom: 0.99, sqrDampening: 1, eps: 1e-8 } },
  { title: 'average-sqr-grad undampened', steppers: ['average-sqr-grad', 'rms-prop-step'], hypers: { lr: 0.01, sqrMom: 0.9, sqrDampening: 0, eps: 1e-8 } },
  { title: 'rms-prop-step with a grad average', steppers: ['average-grad', 'average-sqr-grad', 'rms-prop-step'], hypers: { lr: 0.001, mom: 0.9, dampening: 0, sqrMom: 0.99, sqrDampening: 1, eps: 1e-8 } },
  { title: 'adam-step', steppers: ['average-grad', 'average-sqr-grad', 'step-stat', 'adam-step'], hypers: { lr: 0.01, mom: 0.9, dampening: 1, sqrMom: 0.99, sqrDampening: 1, eps: 1e-5 } },
  { title: 'radam-step (across warm-up)', steppers: ['average-grad', 'average-sqr-grad', 'step-stat', 'radam-step'], hypers: { lr: 0.01, mom: 0.9, dampening: 1, sqrMom: 0.99, sqrDampening: 1, eps: 1e-5, beta: 0 } },
  { title: 'radam-step with softplus beta', steppers: ['average-grad', 'average-sqr-grad', 'step-stat', 'radam-step'], hypers: { lr: 0.01, mom: 0.9, dampening: 1, sqrMom: 0.99, sqrDampening: 1, eps: 1e-5, beta: 10 } },
  { title: 'radam-step, softplus past its threshold', steppers: ['average-grad', 'average-sqr-grad', 'step-stat', 'radam-step'], hypers: { lr: 0.01, mom: 0.9, dampening: 1, sqrMom: 0.99, sqrDampening: 1, eps: 0, beta: 100 } },
  { title: 'qhadam-step', steppers: ['average-grad', 'average-sqr-grad', 'step-stat', 'qhadam-step'], hypers: { lr: 0.01, mom: 0.9, dampening: 1, sqrMom: 0.99, sqrDampening: 1, nu1: 0.7, nu2: 0.8, eps: 1e-8 } },
  { title: 'larc-layer-lr + larc-step (clip)', steppers: ['larc-layer-lr', 'larc-step'], hypers: { lr: 0.05, trustCoeff: 0.02, wd: 0, eps: 1e-8, clip: 1 } },
  { title: 'larc without clip, with wd and momentum', steppers: ['weight-decay', 'average-grad', 'larc-layer-lr', 'larc-step'], hypers: { lr: 0.05, mom: 0.9, dampening: 0, trustCoeff: 0.5, wd: 0.01, eps: 1e-8, clip: 0 } },
  { title: 'lamb-step', steppers: ['average-grad', 'average-sqr-grad', 'step-stat', 'lamb-step'], hypers: { lr: 0.01, mom: 0.9, dampening: 1, sqrMom: 0.99, sqrDampening: 1, eps: 1e-5 } },
];

describe('each stepper matches its float64 formula after 1, 2 and 10 steps', () => {
  for (const { title, steppers, hypers } of CASES) {
    it(title, async () => {
      const { params, opt } = await build(steppers, hypers);
      expect(opt.stepperNames).toEqual(steppers);
      const errors = compareWithReference(opt, params, { steppers, hypers });
      for (const e of Object.values(errors)) expect(e).toBeLessThanOrEqual(1);
      opt.dispose();
      params.forEach((p) => p.dispose());
    });
  }
});

describe('stepper state', () => {
  it('step-stat counts steps per parameter', async () => {
    const { params, opt } = await build(['step-stat'], {});
    for (let t = 1; t <= 6; t++) stepWith(opt, params, t);
    expect(opt.state(params[0]).step).toBe(6);
    expect(opt.state(params[1]).step).toBe(6);
  });

  it('weight-decay and l2-reg skip parameters whose state says doWd: false', async () => {
    for (const wdStepper of ['weight-decay', 'l2-reg']) {
      const { params, opt } = await build([wdStepper, 'sgd-step'], { lr: 0.05, wd: 0.5 });
      opt.state(params[1]).doWd = false;
      const errors = compareWithReference(opt, params, {
        steppers: [wdStepper, 'sgd-step'],
        hypers: { lr: 0.05, wd: 0.5 },
        initialState: [{}, { doWd: false }],
        steps: 3,
      });
      for (const e of Object.values(errors)) expect(e).toBeLessThanOrEqual(1);
    }
  });

  it('larc-layer-lr stores localLr as a scalar tensor', async () => {
    const { params, opt } = await build(['larc-layer-lr', 'larc-step'], { lr: 0.05 });
    stepWith(opt, params, 1);
    const local = opt.state(params[0]).localLr as tf.Tensor;
    expect(local.shape).toEqual([]);
    expect(local.dataSync()[0]).toBeGreaterThan(0);
  });

  it('built-in steppers run in their declared order whatever the list order', async () => {
    const { opt } = await build(['adam-step', 'step-stat', 'average-sqr-grad', 'average-grad', 'weight-decay'], { lr: 0.01, eps: 1e-5 });
    expect(opt.stepperNames).toEqual(['weight-decay', 'step-stat', 'average-sqr-grad', 'average-grad', 'adam-step']);
  });
});
