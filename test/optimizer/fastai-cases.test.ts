/** The spec's checkable optimizer cases, TC5–TC13 (fastai's optimizer notebook), tolerance 1e-5 unless noted. */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineStepper, type OptimizerLike } from '../../plugin-sdk/index.ts';
import { Optimizer, createOptimizer, loadSteppers, lookahead } from '../../runtime/optimizer/index.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const created: { dispose(): void }[] = [];
afterEach(() => {
  created.splice(0).forEach((x) => x.dispose());
});

function variable(values: number[]): tf.Variable {
  const v = tf.variable(tf.tensor(values));
  created.push(v);
  return v;
}
function tensor(values: number[]): tf.Tensor {
  const t = tf.tensor(values);
  created.push(t);
  return t;
}
function track<T extends OptimizerLike>(opt: T): T {
  created.push(opt);
  return opt;
}

function expectClose(actual: tf.Tensor | ArrayLike<number>, expected: number[], eps = 1e-5): void {
  const values = Array.from(actual instanceof tf.Tensor ? actual.dataSync() : actual);
  expect(values).toHaveLength(expected.length);
  values.forEach((v, i) => expect(Math.abs(v - expected[i]), `element ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(eps));
}

const noop = (name: string, defaults: Record<string, number>) => defineStepper({ name, defaults, step: () => undefined });

describe('TC5 — construction', () => {
  it('a flat list is one group; a list of lists is one group each', () => {
    const [a, b, c] = [variable([1]), variable([2]), variable([3])];
    expect(new Optimizer([a, b, c], []).paramGroups).toEqual([[a, b, c]]);
    const grouped = new Optimizer([[a, b], [c]], []);
    expect(grouped.paramGroups).toEqual([[a, b], [c]]);
  });

  it('hypers merge the steppers defaults; explicit values override', () => {
    const steppers = [noop('s1', { lr: 1e-2 }), noop('s2', { lr2: 1e-3 }), noop('s3', { mom: 0.9 })];
    const p = variable([1]);
    expect(new Optimizer([p], steppers).hypers).toEqual([{ lr2: 1e-3, mom: 0.9, lr: 1e-2 }]);
    expect(new Optimizer([p], [noop('s1', { lr: 1e-2 })], { lr: 0.1 }).hypers).toEqual([{ lr: 0.1 }]);
    const q = variable([2]);
    expect(new Optimizer([[p], [q]], [noop('s1', { lr: 1e-2 })]).hypers).toEqual([{ lr: 1e-2 }, { lr: 1e-2 }]);
  });
});

describe('TC6 — setHyper', () => {
  const groups = (n: number) => Array.from({ length: n }, (_, i) => [variable([i])]);
  const lrs = (opt: Optimizer) => opt.hypers.map((h) => h.lr);

  it('one value per group, or a slice', () => {
    const opt = new Optimizer(groups(2), []);
    opt.setHyper('lr', [0.1, 0.2]);
    expect(lrs(opt)).toEqual([0.1, 0.2]);
    const three = new Optimizer(groups(3), []);
    three.setHyper('lr', { end: 1e-2 });
    expect(lrs(three)).toEqual([1e-3, 1e-3, 1e-2]);
    three.setHyper('lr', { start: 1e-4, end: 1e-2 });
    expectClose(lrs(three), [1e-4, 1e-3, 1e-2], 1e-12);
    const four = new Optimizer(groups(4), []);
    four.setHyper('lr', { start: 1e-5, end: 1e-3 });
    expectClose(lrs(four), [1e-5, 4.641589e-5, 2.154435e-4, 1e-3], 1e-9); // the spec gives 7 digits
    four.setHyper('lr', 0.3);
    expect(lrs(four)).toEqual([0.3, 0.3, 0.3, 0.3]);
  });

  it('an array of the wrong length is refused', () => {
    const opt = new Optimizer(groups(3), []);
    expect(() => opt.setHyper('lr', [0.1, 0.2])).toThrow(/setHyper\("lr"\) got 2 values for 3 parameter groups/);
  });

  it('paramGroups and hypers line up', () => {
    const [a, b, c, d] = [1, 2, 3, 4].map((i) => variable([i]));
    const opt = new Optimizer([[a, b], [c], [d]], []);
    opt.setHyper('lr', { start: 1e-4, end: 1e-2 });
    expect(opt.paramGroups).toEqual([[a, b], [c], [d]]);
    expectClose(lrs(opt), [1e-4, 1e-3, 1e-2], 1e-12);
  });
});

describe('TC7 — SGD', () => {
  const params = () => [0, 1, 2, 3].map((i) => variable([i]));
  const grads = () => [0, 1, 2, 3].map((i) => tensor([i / 10]));
  const values = (ps: tf.Variable[]) => ps.map((p) => p.dataSync()[0]);
  const times = (k: number) => [0, 1, 2, 3].map((i) => k * i);

  it('lr = 0.1', async () => {
    const ps = params();
    const opt = track(await createOptimizer(ps, 'sgd', { lr: 0.1 }));
    opt.step(grads());
    expectClose(values(ps), times(0.99));
    opt.step(grads());
    expectClose(values(ps), times(0.98));
  });

  it('[weight-decay, sgd-step], wd = 0.1', async () => {
    const ps = params();
    const opt = track(await createOptimizer(ps, { steppers: ['weight-decay', 'sgd-step'] }, { lr: 0.1, wd: 0.1 }));
    opt.step(grads());
    expectClose(values(ps), times(0.98));
  });

  it('a parameter without a gradient is skipped', async () => {
    const ps = params();
    const opt = track(await createOptimizer(ps, 'sgd', { lr: 0.1 }));
    const g = grads();
    opt.step([g[0], g[1], g[2], null]);
    expectClose(values(ps), [0, 0.99, 1.98, 3]);
    opt.step({ [ps[0].name]: g[0] });
    expectClose(values(ps), [0, 0.99, 1.98, 3]);
  });

  it('groups with their own lr', async () => {
    const ps = params();
    const opt = track(await createOptimizer([ps.slice(0, 2), ps.slice(2)], 'sgd', { lr: 0.1 }));
    opt.hypers[0].lr = 0.01;
    opt.step(grads());
    expectClose(values(ps), [0, 0.999, 1.98, 2.97]);
  });

  it('momentum 0.9', async () => {
    const ps = params();
    const opt = track(await createOptimizer(ps, 'sgd', { lr: 0.1, mom: 0.9 }));
    opt.step(grads());
    expectClose(values(ps), times(0.99));
    opt.step(grads());
    expectClose(values(ps), times(0.971));
    expectClose(ps.map((p) => (opt.state(p).gradAvg as tf.Tensor).dataSync()[0]), times(0.19));
  });

  it('momentum 0.9 with wd 0.1, decoupled and as L2', async () => {
    for (const decoupleWd of [true, false]) {
      const ps = params();
      const opt = track(await createOptimizer(ps, 'sgd', { lr: 0.1, mom: 0.9, wd: 0.1, decoupleWd }));
      opt.step(grads());
      expectClose(values(ps), times(0.98));
    }
  });
});

describe('TC8 — averages', () => {
  const run = async (steppers: string[], hypers: Record<string, number>, steps: number, key: string) => {
    const p = variable([1, 2, 3]);
    const opt = track(new Optimizer([p], await loadSteppers(steppers), hypers));
    const out: number[][] = [];
    for (let i = 0; i < steps; i++) {
      opt.step([tensor([4, 5, 6])]);
      const v = opt.state(p)[key];
      out.push(typeof v === 'object' ? Array.from(v.dataSync()) : [Number(v)]);
    }
    return out;
  };
  const g = [4, 5, 6];
  const g2 = g.map((x) => x * x);
  const scale = (v: number[], k: number) => v.map((x) => x * k);

  it('average-grad, undamped and damped', async () => {
    const [s1, s2] = await run(['average-grad'], { mom: 0.9 }, 2, 'gradAvg');
    expectClose(s1, g);
    expectClose(s2, scale(g, 1.9));
    const [d1, d2] = await run(['average-grad'], { mom: 0.9, dampening: 1 }, 2, 'gradAvg');
    expectClose(d1, scale(g, 0.1));
    expectClose(d2, scale(g, 0.19));
  });

  it('average-sqr-grad, undamped and damped (the default)', async () => {
    const [s1, s2] = await run(['average-sqr-grad'], { sqrMom: 0.99, sqrDampening: 0 }, 2, 'sqrAvg');
    expectClose(s1, g2);
    expectClose(s2, scale(g2, 1.99), 1e-4);
    const [d1, d2] = await run(['average-sqr-grad'], { sqrMom: 0.99 }, 2, 'sqrAvg');
    expectClose(d1, scale(g2, 0.01));
    expectClose(d2, scale(g2, 0.0199));
  });

  it('step-stat', async () => {
    const steps = await run(['step-stat'], {}, 6, 'step');
    expect(steps[0]).toEqual([1]);
    expect(steps[5]).toEqual([6]);
  });
});

describe('TC9 — freezing', () => {
  const build = () => new Optimizer([0, 1, 2].map((g) => [0, 1, 2, 3].map((i) => variable([g * 4 + i]))), []);
  const flags = (opt: Optimizer) => opt.paramGroups.map((g) => g.map((p) => p.trainable));

  it('freezeTo(1), then unfreeze', () => {
    const opt = build();
    opt.freezeTo(1);
    expect(flags(opt)).toEqual([[false, false, false, false], [true, true, true, true], [true, true, true, true]]);
    opt.unfreeze();
    expect(flags(opt).flat().every(Boolean)).toBe(true);
  });

  it('freeze keeps forceTrain parameters training', () => {
    const opt = build();
    opt.state(opt.paramGroups[1][1]).forceTrain = true;
    opt.state(opt.paramGroups[1][3]).forceTrain = true;
    opt.freeze();
    expect(flags(opt)).toEqual([[false, false, false, false], [false, true, false, true], [true, true, true, true]]);
    expect(opt.frozenIndex).toBe(2);
  });

  it('freeze needs two groups; frozen parameters are not stepped even with a gradient', async () => {
    const p = variable([1]);
    const single = new Optimizer([p], []);
    expect(() => single.freeze()).toThrow(/at least two parameter groups/);
    const q = variable([1]);
    const opt = track(await createOptimizer([[p], [q]], 'sgd', { lr: 0.1 }));
    opt.freeze();
    opt.step([tensor([1]), tensor([1])]);
    expectClose(p.dataSync(), [1]);
    expectClose(q.dataSync(), [0.9]);
  });
});

describe('TC10 — state dict', () => {
  it('saves gradAvg and hypers; a fresh optimizer loads them', async () => {
    const p = variable([1, 2, 3]);
    const opt = track(new Optimizer([p], await loadSteppers(['average-grad'])));
    opt.step([tensor([4, 5, 6])]);
    expectClose(opt.state(p).gradAvg as tf.Tensor, [4, 5, 6]);
    const sd = JSON.parse(JSON.stringify(opt.stateDict()));
    const fresh = track(new Optimizer([p], await loadSteppers(['average-grad']), { mom: 0.99 }));
    fresh.loadStateDict(sd);
    expect(fresh.hypers[0].mom).toBe(0.9);
    expectClose(fresh.state(p).gradAvg as tf.Tensor, [4, 5, 6]);
  });

  it('clearState keeps only forceTrain / doWd', async () => {
    const p = variable([1, 2, 3]);
    const opt = track(await createOptimizer([p], 'adam', { lr: 0.1 }));
    opt.state(p).forceTrain = true;
    opt.step([tensor([4, 5, 6])]);
    expect(Object.keys(opt.state(p)).sort()).toEqual(['forceTrain', 'gradAvg', 'sqrAvg', 'step']);
    opt.clearState();
    expect(opt.state(p)).toEqual({ forceTrain: true });
  });
});

describe('TC11 — RMSProp, Adam, QHAdam', () => {
  const setup = () => ({ p: variable([1, 2, 3]), g: tensor([0.1, 0.2, 0.3]) });

  it('RMSProp', async () => {
    const { p, g } = setup();
    const opt = track(await createOptimizer([p], 'rmsprop', { lr: 0.1 }));
    opt.step([g]);
    expectClose(p.dataSync(), [0, 1, 2]);
    opt.step([g]);
    expectClose(p.dataSync(), [-0.70888, 0.291119, 1.291119]);
  });

  it('RMSProp with momentum 0.9', async () => {
    const { p, g } = setup();
    const opt = track(await createOptimizer([p], 'rmsprop', { lr: 0.1, mom: 0.9 }));
    opt.step([g]);
    const first = Array.from(p.dataSync());
    expectClose(first, [0, 1, 2]);
    opt.step([g]);
    expectClose(p.dataSync(), first.map((x) => x - 1.346872));
  });

  it('Adam, wd 0 and the default wd 0.01', async () => {
    const { p, g } = setup();
    const opt = track(await createOptimizer([p], 'adam', { lr: 0.1, wd: 0 }));
    opt.step([g]);
    expectClose(p.dataSync(), [0.90001, 1.900005, 2.900003]);
    opt.step([g]);
    expectClose(p.dataSync(), [0.8, 1.8, 2.8], 1e-3);
    const q = variable([1, 2, 3]);
    const withWd = track(await createOptimizer([q], 'adam', { lr: 0.1 }));
    withWd.step([g]);
    expectClose(q.dataSync(), [0.89901, 1.898005, 2.897003]);
  });

  it('QHAdam', async () => {
    const { p, g } = setup();
    const opt = track(await createOptimizer([p], 'qhadam', { lr: 0.1 }));
    opt.step([g]);
    expectClose(p.dataSync(), [0.9, 1.9, 2.9]);
    opt.step([g]);
    expectClose(p.dataSync(), [0.8, 1.8, 2.8]);
  });
});

describe('TC12 — RAdam', () => {
  it('plain momentum for steps 1–5, rectified from step 6', async () => {
    const p = variable([1, 2, 3]);
    const g = tensor([0.1, 0.2, 0.3]);
    const opt = track(await createOptimizer([p], 'radam', { lr: 0.1 }));
    for (let i = 0; i < 5; i++) opt.step([g]);
    expectClose(p.dataSync(), [0.95, 1.9, 2.85]);
    opt.step([g]);
    expectClose(p.dataSync(), [0.941833, 1.891833, 2.841832]);
    opt.step([g]);
    expectClose(p.dataSync(), [0.931464, 1.881464, 2.831463]);
  });
});

describe('TC13 — LARC, Lamb, Lookahead', () => {
  const larc = async (clip: boolean) => {
    const [p1, p2] = [variable([1, 2, 3]), variable([1, 2, 3])];
    const opt = track(await createOptimizer([p1, p2], 'larc', { lr: 0.1, clip }));
    opt.step([tensor([0.1, 0.2, 0.3]), tensor([0.01, 0.02, 0.03])]);
    const local = [p1, p2].map((p) => (opt.state(p).localLr as tf.Tensor).dataSync()[0]);
    return { p1, p2, local };
  };

  it('LARC clips the layer lr to lr', async () => {
    const { p1, p2, local } = await larc(true);
    expectClose(local, [0.02, 0.1]);
    expectClose(p1.dataSync(), [0.998, 1.996, 2.994]);
    expectClose(p2.dataSync(), [0.999, 1.998, 2.997]);
  });

  it('LARC without clip', async () => {
    const { p1, p2, local } = await larc(false);
    expectClose(local, [0.02, 0.2]);
    expectClose(p1.dataSync(), [0.998, 1.996, 2.994]);
    expectClose(p2.dataSync(), [0.998, 1.996, 2.994]);
  });

  it('Lamb, one step', async () => {
    const p = variable([1, 2, 3]);
    const opt = track(await createOptimizer([p], 'lamb', { lr: 0.1 }));
    opt.step([tensor([0.1, 0.2, 0.3])]);
    expectClose(p.dataSync(), [0.783984, 1.783973, 2.783969]);
  });

  it('Lookahead(SGD) syncs every 6 steps', async () => {
    const p = variable([1, 2, 3]);
    const g = tensor([0.1, 0.2, 0.3]);
    const opt = track(lookahead(await createOptimizer([p], 'sgd', { lr: 0.1 }), { k: 6, alpha: 0.5 }));
    for (let i = 0; i < 5; i++) opt.step([g]);
    expectClose(p.dataSync(), [0.95, 1.9, 2.85]);
    opt.step([g]);
    expectClose(p.dataSync(), [0.97, 1.94, 2.91]);
  });
});
