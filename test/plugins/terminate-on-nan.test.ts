import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { definePlugin, type Learner, type Module, type Pred } from '../../plugin-sdk/index.ts';
import { DataLoaders } from '../../runtime/data/dataloaders.ts';
import { Learner as LearnerClass } from '../../runtime/learner/learner.ts';
import { eventLog } from '../helpers/events.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

/** TinyLinear whose output (so loss and gradients) is NaN/∞ from the `badCall`-th forward call on (0-based). */
class GoesBad implements Module {
  readonly inner = new TinyLinear();
  calls = 0;
  constructor(
    readonly badCall: number,
    readonly bad = Number.NaN,
  ) {}
  forward(xb: tf.Tensor[]): Pred {
    const y = this.inner.forward(xb) as tf.Tensor;
    return this.calls++ >= this.badCall ? tf.mul(y, this.bad) : y;
  }
  parameters(): tf.Variable[] {
    return this.inner.parameters();
  }
  dispose(): void {
    this.inner.dispose();
  }
}

/** Weights after every step, by training batch. */
function weightLog() {
  return definePlugin({
    name: 'weight-log',
    after: [] as number[][],
    tensorsAfterEpoch: [] as number[],
    afterEpoch() {
      this.tensorsAfterEpoch.push(tf.memory().numTensors);
    },
    afterStep(learn: Learner) {
      this.after.push(learn.model.parameters().flatMap((p) => [...p.dataSync()]));
    },
  });
}

/** TinyLinear whose forward is fine but whose gradient is NaN on forward calls in [from, to): a finite loss, NaN gradients. */
const nanGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const y = args[0] as tf.Tensor;
  return { value: tf.clone(y), gradFunc: (dy: tf.Tensor) => tf.mul(dy, Number.NaN) };
}) as (y: tf.Tensor) => tf.Tensor;

class BadGradients implements Module {
  readonly inner = new TinyLinear();
  calls = 0;
  constructor(readonly from: number, readonly to = Infinity) {}
  forward(xb: tf.Tensor[]): Pred {
    const y = this.inner.forward(xb) as tf.Tensor;
    const call = this.calls++;
    return call >= this.from && call < this.to ? nanGrad(y) : y;
  }
  parameters(): tf.Variable[] {
    return this.inner.parameters();
  }
  dispose(): void {
    this.inner.dispose();
  }
}

/** x·w + b clipped to [-10, 10]: an infinite input gives a finite loss but NaN gradients (∞ · 0). */
class Clipped implements Module {
  readonly inner = new TinyLinear();
  forward(xb: tf.Tensor[]): Pred {
    return tf.clipByValue(this.inner.forward(xb) as tf.Tensor, -10, 10);
  }
  parameters(): tf.Variable[] {
    return this.inner.parameters();
  }
  dispose(): void {
    this.inner.dispose();
  }
}

const flat = (model: Module) => model.parameters().flatMap((p) => [...p.dataSync()]);

async function setup(badCall: number, options: { restoreLast?: boolean; bad?: number; model?: Module; dls?: DataLoaders } = {}) {
  // typed as GoesBad: every model here has calls-independent dispose(); only the GoesBad tests read calls
  const model = (options.model ?? new GoesBad(badCall, options.bad)) as GoesBad;
  const log = eventLog();
  const weights = weightLog();
  const lines: string[] = [];
  const learn = await LearnerClass.create({
    model,
    dls: options.dls ?? tinyData(3, 1, 2),
    lossFunc: 'mse',
    backend: 'cpu',
    lr: 0.1,
    logger: (m) => lines.push(m),
    plugins: [['terminate-on-nan', { restoreLast: options.restoreLast ?? false }], 'progress', log.plugin, weights],
  });
  return { learn, model, events: log.events, weights, lines };
}

describe('terminate-on-nan', () => {
  it('stops at the batch whose loss is NaN without applying its step: afterCancelFit and afterFit run, no later batch, the notes say why', async () => {
    // forward calls: epoch 0 train 0,1,2, valid 3; epoch 1 train 4 (bad), 5, 6 …
    const { learn, model, events, lines, weights } = await setup(4);
    await learn.fit(3);
    const batches = events.filter((e) => e === 'beforeBatch').length;
    expect(batches).toBe(5);
    expect(model.calls).toBe(5);
    // the step is cancelled in beforeStep (before the plugins after it see that event), the fit in afterBatch
    expect(events.slice(-6)).toEqual(['beforeBackward', 'afterBackward', 'afterCancelStep', 'afterStep', 'afterCancelFit', 'afterFit']);
    expect(events.filter((e) => e === 'afterEpoch')).toHaveLength(1);
    expect(events).not.toContain('afterCancelEpoch');
    const recorder = learn.recorder!;
    // the NaN loss never reached the recorder; only epoch 0 is in the table
    expect(recorder.losses).toHaveLength(3);
    expect(recorder.losses.every(Number.isFinite)).toBe(true);
    expect(recorder.values).toHaveLength(1);
    expect(recorder.notes).toHaveLength(1);
    expect(recorder.notes[0]).toMatch(/training loss is NaN at epoch 1, batch 0; training stopped; that step was not applied/);
    expect(lines.at(-1)).toBe(`note: ${recorder.notes[0]}`);
    // the weights are those of the last finite step
    expect(flat(model)).toEqual(weights.after[2]);
    model.dispose();
  });

  it('catches an infinite validation loss too', async () => {
    const { learn, model, events } = await setup(3, { bad: Number.POSITIVE_INFINITY });
    await learn.fit(2);
    expect(events.filter((e) => e === 'beforeBatch')).toHaveLength(4);
    expect(events.slice(-4)).toEqual(['afterPred', 'afterLoss', 'afterCancelFit', 'afterFit']);
    expect(learn.recorder!.notes[0]).toMatch(/validation loss is Infinity at epoch 0, batch 0/);
    model.dispose();
  });

  it('NaN gradients with a finite loss: caught before the step; weights and optimizer state are the last finite step\'s', async () => {
    const model = new BadGradients(4);
    let optAfterLastGood = '';
    const optLog = definePlugin({
      name: 'opt-log',
      afterStep(learn: Learner) {
        optAfterLastGood = JSON.stringify(learn.opt.stateDict());
      },
    });
    const { learn, weights } = await setup(0, { model, restoreLast: true });
    await learn.addPlugins([optLog]);
    await learn.fit(3);
    expect(learn.recorder!.notes[0]).toMatch(/training gradient of ".*" is not finite \(loss [\d.]+\) at epoch 1, batch 0; training stopped/);
    // afterStep still fires after the cancelled step (fastai's afterCancelStep → afterStep): same weights
    expect(weights.after).toHaveLength(4);
    expect(weights.after[3]).toEqual(weights.after[2]);
    expect(flat(model)).toEqual(weights.after[2]);
    expect(flat(model).every(Number.isFinite)).toBe(true);
    const opt = learn.opt.stateDict();
    expect(JSON.stringify(opt)).toBe(optAfterLastGood);
    expect(JSON.stringify(opt)).not.toMatch(/NaN|null/);
    model.dispose();
  });

  it('after the stop, the next fit trains normally (no NaN moments left in the optimizer)', async () => {
    const model = new BadGradients(4, 5); // only forward call 4 is bad
    const { learn } = await setup(0, { model });
    await learn.fit(3, 0.05);
    expect(learn.recorder!.notes).toHaveLength(1);
    await learn.fit(4, 0.05);
    const losses = learn.recorder!.losses;
    expect(losses).toHaveLength(12);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(learn.recorder!.values.every((row) => row.every((v) => v === null || typeof v === 'string' || Number.isFinite(v)))).toBe(true);
    expect(learn.recorder!.values.at(-1)![1]).toBeLessThan(learn.recorder!.values[0][1] as number);
    expect(flat(model).every(Number.isFinite)).toBe(true);
    model.dispose();
  });

  it('an infinite input batch with a finite loss is caught, and the kernel stays finite', async () => {
    const x = tf.tensor2d([[0.1, 0.2], [0.3, -0.1], [Infinity, 0.5], [0.2, 0.2]]);
    const y = tf.tensor2d([[0.3], [0.1], [0.2], [0.4]]);
    const dls = DataLoaders.fromTensors({ train: [x, y], valid: [x.slice(0, 2), y.slice(0, 2)] }, { batchSize: 2, shuffle: false });
    const model = new Clipped();
    const { learn, weights } = await setup(0, { model, dls });
    await learn.fit(2);
    expect(learn.recorder!.notes[0]).toMatch(/training input batch holds non-finite values \(loss [\d.]+\) at epoch 0, batch 1/);
    expect(weights.after).toHaveLength(2);
    expect(weights.after[1]).toEqual(weights.after[0]);
    expect(flat(model)).toEqual(weights.after[0]);
    expect(flat(model).every(Number.isFinite)).toBe(true);
    model.dispose();
  });

  it('leaves a healthy run alone, and leaves no tensor behind', async () => {
    const { learn, model, events, weights } = await setup(1000, { restoreLast: true });
    await learn.fit(2);
    expect(events.filter((e) => e === 'afterEpoch')).toHaveLength(2);
    expect(events).not.toContain('afterCancelFit');
    expect(events).not.toContain('afterCancelStep');
    expect(learn.recorder!.notes).toHaveLength(0);
    expect(weights.tensorsAfterEpoch[1]).toBe(weights.tensorsAfterEpoch[0]);
    model.dispose();
  });
});
