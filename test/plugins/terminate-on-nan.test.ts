import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { definePlugin, type Learner, type Module, type Pred } from '../../plugin-sdk/index.ts';
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

async function setup(badCall: number, options: { restoreLast?: boolean; bad?: number } = {}) {
  const model = new GoesBad(badCall, options.bad);
  const log = eventLog();
  const weights = weightLog();
  const lines: string[] = [];
  const learn = await LearnerClass.create({
    model,
    dls: tinyData(3, 1, 2),
    lossFunc: 'mse',
    backend: 'cpu',
    lr: 0.1,
    logger: (m) => lines.push(m),
    plugins: [['terminate-on-nan', { restoreLast: options.restoreLast ?? false }], 'progress', log.plugin, weights],
  });
  return { learn, model, events: log.events, weights, lines };
}

describe('terminate-on-nan', () => {
  it('stops at the batch whose loss is NaN: afterCancelFit and afterFit run, no later batch, the notes say why', async () => {
    // forward calls: epoch 0 train 0,1,2, valid 3; epoch 1 train 4 (bad), 5, 6 …
    const { learn, model, events, lines } = await setup(4);
    await learn.fit(3);
    const batches = events.filter((e) => e === 'beforeBatch').length;
    expect(batches).toBe(5);
    expect(model.calls).toBe(5);
    // it throws in afterBatch before the plugins that follow it (the event log, the recorder) see that event
    expect(events.slice(-4)).toEqual(['beforeStep', 'afterStep', 'afterCancelFit', 'afterFit']);
    expect(events.filter((e) => e === 'afterEpoch')).toHaveLength(1);
    expect(events).not.toContain('afterCancelEpoch');
    const recorder = learn.recorder!;
    // the NaN loss never reached the recorder; only epoch 0 is in the table
    expect(recorder.losses).toHaveLength(3);
    expect(recorder.losses.every(Number.isFinite)).toBe(true);
    expect(recorder.values).toHaveLength(1);
    expect(recorder.notes).toHaveLength(1);
    expect(recorder.notes[0]).toMatch(/training loss is NaN at epoch 1, batch 0; training stopped/);
    expect(lines.at(-1)).toBe(`note: ${recorder.notes[0]}`);
    // without restoreLast, the weights are what the NaN step left
    expect(model.parameters().some((p) => [...p.dataSync()].some(Number.isNaN))).toBe(true);
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

  it('with restoreLast, the weights are those of the last finite step, and no tensor is left behind', async () => {
    const { learn, model, weights } = await setup(4, { restoreLast: true });
    await learn.fit(3);
    const now = model.parameters().flatMap((p) => [...p.dataSync()]);
    expect(now.every(Number.isFinite)).toBe(true);
    expect(weights.after).toHaveLength(4); // 3 finite steps, then the NaN one, which broke the weights
    expect(weights.after[3].some(Number.isNaN)).toBe(true);
    expect(now).toEqual(weights.after[2]);
    expect(learn.recorder!.notes[0]).toMatch(/weights restored/);
    expect(tf.memory().numTensors).toBe(weights.tensorsAfterEpoch[0]);
    model.dispose();
  });

  it('with restoreLast, buffers (running statistics) are put back too', async () => {
    const model = new GoesBad(4);
    const stepCount = tf.variable(tf.zeros([1]), false);
    Object.assign(model, { buffers: () => [stepCount] });
    // Stands for a layer's running statistics, which a bad batch would also spoil.
    const bump = definePlugin({ name: 'bump', afterStep: () => void tf.tidy(() => stepCount.assign(stepCount.add(1))) });
    const learn = await LearnerClass.create({
      model, dls: tinyData(3, 1, 2), lossFunc: 'mse', backend: 'cpu', lr: 0.1, quiet: true,
      plugins: [['terminate-on-nan', { restoreLast: true }], bump],
    });
    await learn.fit(3);
    expect(stepCount.dataSync()[0]).toBe(3); // the 4th (NaN) step's bump is undone
    stepCount.dispose();
    model.dispose();
  });

  it('leaves a healthy run alone', async () => {
    const { learn, model, events } = await setup(1000, { restoreLast: true });
    await learn.fit(2);
    expect(events.filter((e) => e === 'afterEpoch')).toHaveLength(2);
    expect(events).not.toContain('afterCancelFit');
    expect(learn.recorder!.notes).toHaveLength(0);
    model.dispose();
  });
});
