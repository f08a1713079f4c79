import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import {
  CancelBackwardError,
  CancelBatchError,
  CancelStepError,
  definePlugin,
  type EventName,
  type Plugin,
} from '../../plugin-sdk/index.ts';
import type { OptimizerSpec } from '../../runtime/optimizer/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

/** The rows `tinyData` makes: x = sin(i) in rows of 2, y = x·[2, −1] + 0.3. */
function rows(n: number, offset: number): { x: number[][]; y: number[] } {
  const x = Array.from({ length: n }, (_, r) => [Math.sin(2 * r + offset), Math.sin(2 * r + 1 + offset)]);
  return { x, y: x.map(([a, b]) => 2 * a - b + 0.3) };
}

type Params = { w: [number, number]; b: number };
/** MSE gradient of y = x·w + b, by hand: dL/dw = 2/n·Xᵀr, dL/db = 2/n·Σr. */
function gradOf(p: Params, x: number[][], y: number[]): Params {
  const r = x.map(([a, c], i) => a * p.w[0] + c * p.w[1] + p.b - y[i]);
  const n = x.length;
  return {
    w: [(2 / n) * r.reduce((s, ri, i) => s + ri * x[i][0], 0), (2 / n) * r.reduce((s, ri, i) => s + ri * x[i][1], 0)],
    b: (2 / n) * r.reduce((s, ri) => s + ri, 0),
  };
}
const add = (a: Params, b: Params): Params => ({ w: [a.w[0] + b.w[0], a.w[1] + b.w[1]], b: a.b + b.b });
const scale = (a: Params, k: number): Params => ({ w: [a.w[0] * k, a.w[1] * k], b: a.b * k });
const P0: Params = { w: [0.5, -0.25], b: 0.1 };

/** The train batches of `tinyData(nTrain, 1, 2)`. */
const batch = (k: number) => {
  const { x, y } = rows(8, 0);
  return { x: x.slice(2 * k, 2 * k + 2), y: y.slice(2 * k, 2 * k + 2) };
};
const g = (p: Params, k: number) => gradOf(p, batch(k).x, batch(k).y);

function paramsOf(learn: Learner): Params {
  const [w, b] = learn.model.parameters().map((v) => Array.from(v.dataSync()));
  return { w: [w[0], w[1]], b: b[0] };
}

/** Throws `make()` on the given (1-based) occurrences of `event`. */
function thrower(event: EventName, at: readonly number[], make: () => Error): Plugin {
  let n = 0;
  return definePlugin({ name: `throw-${event}`, [event]: () => { if (at.includes(++n)) throw make(); } } as Plugin);
}

async function learner(plugins: Plugin[], optimizer: OptimizerSpec = 'sgd', nTrain = 2): Promise<Learner> {
  return Learner.create({ model: new TinyLinear(), dls: tinyData(nTrain, 1, 2), lossFunc: 'mse', optimizer, lr: 0.1, plugins, backend: 'cpu', quiet: true });
}

function expectParams(learn: Learner, expected: Params): void {
  const got = paramsOf(learn);
  expect(got.w[0]).toBeCloseTo(expected.w[0], 5);
  expect(got.w[1]).toBeCloseTo(expected.w[1], 5);
  expect(got.b).toBeCloseTo(expected.b, 5);
}

describe("fastai's gradient lifetime: gradients live until zeroGrad", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('no cancels: plain SGD, each step on its own batch', async () => {
    const learn = await learner([]);
    await learn.fit(1);
    const p1 = add(P0, scale(g(P0, 0), -0.1));
    expectParams(learn, add(p1, scale(g(p1, 1), -0.1)));
    expect(learn.grads).toBeNull();
  });

  it('CancelBatchError in beforeStep skips the step and zeroGrad: batch 1 steps on g0 + g1, both at the initial weights', async () => {
    const learn = await learner([thrower('beforeStep', [1], () => new CancelBatchError())]);
    await learn.fit(1);
    expectParams(learn, add(P0, scale(add(g(P0, 0), g(P0, 1)), -0.1)));
  });

  it('the accumulated gradients are visible in learn.grads at the next afterBackward', async () => {
    const seen: number[][] = [];
    const spy = definePlugin({ name: 'spy', afterBackward: (l) => void seen.push(Array.from(l.grads![l.model.parameters()[1].name].dataSync())) });
    const learn = await learner([thrower('beforeStep', [1], () => new CancelBatchError()), spy]);
    await learn.fit(1);
    expect(seen[0][0]).toBeCloseTo(g(P0, 0).b, 5);
    expect(seen[1][0]).toBeCloseTo(g(P0, 0).b + g(P0, 1).b, 5);
  });

  it('CancelStepError skips the step and still zeroes: batch 1 steps on g1 alone', async () => {
    const learn = await learner([thrower('beforeStep', [1], () => new CancelStepError())]);
    await learn.fit(1);
    expectParams(learn, add(P0, scale(g(P0, 1), -0.1)));
  });

  it('CancelBackwardError still steps, on zeros: momentum keeps moving the weights', async () => {
    const sgdMom: OptimizerSpec = { steppers: ['average-grad', 'momentum-step'], hypers: { mom: 0.9 } };
    const learn = await learner([thrower('beforeBackward', [2], () => new CancelBackwardError())], sgdMom);
    await learn.fit(1);
    const g0 = g(P0, 0);
    const p1 = add(P0, scale(g0, -0.1));
    // Batch 1: gradAvg = 0.9·g0 + 0 → p1 − 0.1·0.9·g0.
    expectParams(learn, add(p1, scale(g0, -0.1 * 0.9)));
  });

  it('CancelBackwardError after a cancelled batch steps on the accumulated gradients', async () => {
    const learn = await learner([
      thrower('beforeStep', [1], () => new CancelBatchError()),
      thrower('beforeBackward', [2], () => new CancelBackwardError()),
    ]);
    await learn.fit(1);
    expectParams(learn, add(P0, scale(g(P0, 0), -0.1)));
  });

  it('no tensor leaks on any path over many batches (checkLeaks, count after fit)', async () => {
    // Every path in turn: cancel batch (accumulate), cancel step, cancel backward, normal; 12 batches per epoch.
    const paths = definePlugin({
      name: 'paths',
      beforeBackward: (l) => { if (l.iter % 4 === 2) throw new CancelBackwardError(); },
      beforeStep: (l) => {
        if (l.iter % 4 === 0) throw new CancelBatchError();
        if (l.iter % 4 === 1) throw new CancelStepError();
      },
    });
    const clip = (await import('../../plugins/gradient-clip/index.ts')).default({ maxNorm: 0.01 });
    const learn = await learner([paths, clip], 'sgd', 12);
    await learn.fit(1);
    const n0 = tf.memory().numTensors;
    await learn.fit(4, undefined, { checkLeaks: true });
    expect(tf.memory().numTensors).toBe(n0);
    expect(learn.recorder!.losses).toHaveLength(12 * 4); // the recorder starts afresh each fit
  });

  it('deviation 4: frozen parameters are left alone, even by a step on zeros with weight decay and momentum', async () => {
    const learn = await Learner.create({
      model: new TinyLinear(),
      dls: tinyData(3, 1, 2),
      lossFunc: 'mse',
      optimizer: { steppers: ['weight-decay', 'average-grad', 'momentum-step'], hypers: { mom: 0.9, wd: 0.1 } },
      lr: 0.1,
      splitter: (m) => [[m.parameters()[0]], [m.parameters()[1]]],
      plugins: [thrower('beforeBackward', [2], () => new CancelBackwardError())],
      backend: 'cpu',
      quiet: true,
    });
    await learn.fit(1); // w trains first, so it has momentum state
    learn.opt.freeze();
    const w = Array.from(learn.model.parameters()[0].dataSync());
    const b = learn.model.parameters()[1].dataSync()[0];
    await learn.fit(1);
    expect(Array.from(learn.model.parameters()[0].dataSync())).toEqual(w);
    expect(learn.model.parameters()[1].dataSync()[0]).not.toBe(b);
  });

  it('deviation 5: a batch cancelled before its loss exists is not recorded', async () => {
    const learn = await learner([thrower('afterPred', [1], () => new CancelBatchError())], 'sgd', 3);
    await learn.fit(1);
    expect(learn.recorder!.losses).toHaveLength(2);
    const learn2 = await learner([thrower('afterLoss', [1], () => new CancelBatchError())], 'sgd', 3);
    await learn2.fit(1);
    expect(learn2.recorder!.losses).toHaveLength(3); // after the loss: recorded, as in fastai
  });
});
