import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineStepper, type OptimizerLike } from '../../plugin-sdk/index.ts';
import { Optimizer, createOptimizer, resolveOptimizer } from '../../runtime/optimizer/index.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const param = (values = [1, 2, 3]) => tf.variable(tf.tensor(values));

describe('clear errors', () => {
  it('a cycle in stepper constraints names its members', async () => {
    const a = defineStepper({ name: 'stepper-a', runBefore: ['stepper-b'], step: () => undefined });
    const b = defineStepper({ name: 'stepper-b', runBefore: ['stepper-a'], step: () => undefined });
    await expect(createOptimizer([param()], { steppers: [a, b, 'sgd-step'] }, { lr: 1 })).rejects.toThrow(
      expect.objectContaining({ code: 'E_ORDER_CYCLE', message: expect.stringMatching(/stepper order has a cycle: stepper-a → stepper-b → stepper-a/) }),
    );
  });

  it('an unknown stepper name is named, with the built-ins listed', async () => {
    await expect(createOptimizer([param()], { steppers: ['weight-decay', 'no-such-stepper'] })).rejects.toThrow(
      expect.objectContaining({ code: 'E_PLUGIN_LOAD', message: expect.stringMatching(/stepper "no-such-stepper".*built-in steppers: .*adam-step/) }),
    );
  });

  it('a hyper a stepper needs but nobody provides names both', async () => {
    await expect(createOptimizer([param()], { steppers: ['sgd-step'] })).rejects.toThrow(
      expect.objectContaining({ code: 'E_OPTIMIZER', message: expect.stringMatching(/stepper "sgd-step" needs hyper-parameter "lr"/) }),
    );
    await expect(createOptimizer([param()], { steppers: ['average-grad', 'average-sqr-grad', 'step-stat', 'adam-step'] }, { lr: 0.1 })).rejects.toThrow(
      /stepper "adam-step" needs hyper-parameter "eps"/,
    );
  });

  it('a stepper whose state is missing says which stepper should come first', async () => {
    const opt = await createOptimizer([param()], { steppers: ['momentum-step'] }, { lr: 0.1 });
    expect(() => opt.step([tf.tensor([1, 1, 1])])).toThrow(/stepper "momentum-step" needs state "gradAvg"/);
  });

  it('a module without a default-exported stepper', async () => {
    await expect(createOptimizer([param()], { steppers: ['./fixtures/not-a-stepper.ts'] }, {}, { baseDir: HERE })).rejects.toThrow(
      expect.objectContaining({ code: 'E_PLUGIN_INVALID', message: expect.stringMatching(/"\.\/fixtures\/not-a-stepper\.ts" must default-export a stepper/) }),
    );
  });

  it('gradients that do not line up, and a parameter given twice', async () => {
    const p = param();
    const opt = await createOptimizer([p], 'sgd');
    expect(() => opt.step([tf.tensor([1, 1, 1]), tf.tensor([1])])).toThrow(/step\(\) got 2 gradients for 1 parameters/);
    expect(() => new Optimizer([p, p], [])).toThrow(/appears twice/);
    expect(() => opt.state(param())).toThrow(/not in this optimizer/);
  });
});

describe('third-party steppers and specs', () => {
  it('loads a stepper from a file path, like a plugin', async () => {
    const p = param([1, -2, 3]);
    const opt = await createOptimizer([p], { steppers: ['weight-decay', './fixtures/sign-sgd.ts'], hypers: { wd: 0.1 } }, {}, { baseDir: HERE });
    expect(opt.stepperNames).toEqual(['weight-decay', 'sign-sgd']);
    opt.step([tf.tensor([0.2, -5, 0])]);
    const expected = [1 * 0.95 - 0.5, -2 * 0.95 + 0.5, 3 * 0.95];
    Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('spec hypers, then explicit hypers, override stepper defaults', async () => {
    const opt = await createOptimizer([param()], { steppers: ['./fixtures/sign-sgd.ts'], hypers: { lr: 0.2, foo: 1 } }, { lr: 0.3 }, { baseDir: HERE });
    expect(opt.hypers).toEqual([{ lr: 0.3, foo: 1 }]);
  });

  it('state must own its tensors: a stepper storing the gradient gets a copy', async () => {
    const keepGrad = defineStepper({ name: 'keep-grad', step: ({ grad }) => ({ state: { last: grad } }) });
    const p = param();
    const opt = await createOptimizer([p], { steppers: [keepGrad] });
    const g = tf.tensor([7, 8, 9]);
    opt.step([g]);
    g.dispose();
    expect(Array.from((opt.state(p).last as tf.Tensor).dataSync())).toEqual([7, 8, 9]);
  });

  it('resolveOptimizer applies hypers to a factory and sets doWd / forceTrain', async () => {
    const [w, bias, norm] = [param(), param([0]), param([1])];
    let made: OptimizerLike | undefined;
    const opt = await resolveOptimizer(
      async (groups) => (made = await createOptimizer(groups, 'sgd')),
      [[w, bias, norm]],
      { lr: 0.25, mom: undefined },
      { noWeightDecay: [bias, norm], normParameters: [norm], trainBn: true },
    );
    expect(opt).toBe(made);
    expect(opt.hypers[0]).toMatchObject({ lr: 0.25, mom: 0 });
    expect(opt.state(bias)).toEqual({ doWd: false });
    expect(opt.state(norm)).toEqual({ doWd: false, forceTrain: true });
    expect(opt.state(w)).toEqual({});
    const noBn = await resolveOptimizer('adam', [[w, norm]], { wd: 0.1 }, { normParameters: [norm], trainBn: false });
    expect(noBn.state(norm)).toEqual({});
    expect(noBn.hypers[0].wd).toBe(0.1);
  });
});
