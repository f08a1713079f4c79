import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import {
  CancelBackwardError,
  CancelBatchError,
  CancelEpochError,
  CancelFitError,
  CancelStepError,
  CancelTrainError,
  CancelValidateError,
  EVENTS,
  PluginError,
  type EventName,
} from '../../plugin-sdk/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';
import { eventLog, TRAIN_BATCH, VALID_BATCH } from '../helpers/events.ts';
import { fastaiFlow } from '../helpers/fastai-flow.ts';

const CANCELS = [CancelBatchError, CancelBackwardError, CancelStepError, CancelTrainError, CancelValidateError, CancelEpochError, CancelFitError];

async function tinyLearner(plugins: Parameters<typeof Learner.create>[0]['plugins'], nTrain = 2, nValid = 1) {
  return Learner.create({ model: new TinyLinear(), dls: tinyData(nTrain, nValid), lossFunc: 'mse', optimizer: 'sgd', lr: 0.1, plugins, defaultPlugins: false, backend: 'cpu', quiet: true });
}

const snapshot = (learn: Learner) => learn.model.parameters().map((p) => Array.from(p.dataSync()));

describe('event flow (spec §1.4, TC1)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('fires exactly the 28 events of a 1-epoch fit with 2 train and 1 valid batch', async () => {
    const log = eventLog();
    const learn = await tinyLearner([log.plugin]);
    expect(log.events).toEqual(['afterCreate']);
    log.events.length = 0;
    await learn.fit(1);
    const expected = ['beforeFit', 'beforeEpoch', 'beforeTrain', ...TRAIN_BATCH, ...TRAIN_BATCH, 'afterTrain', 'beforeValidate', ...VALID_BATCH, 'afterValidate', 'afterEpoch', 'afterFit'];
    expect(expected).toHaveLength(28);
    expect(log.events).toEqual(expected);
  });

  it('exposes one tapable hook per event (24) plus onError, tappable directly', async () => {
    const learn = await tinyLearner([]);
    expect(Object.keys(learn.hooks).sort()).toEqual([...EVENTS, 'onError'].sort());
    expect(EVENTS).toHaveLength(24);
    const seen: number[] = [];
    learn.hooks.beforeBatch.tap('direct', (l) => void seen.push(l.iter));
    await learn.fit(1);
    expect(seen).toEqual([0, 1, 0]);
  });

  it('counts iterations and pctTrain as fastai (TC16: [0, 1/6, …, 5/6])', async () => {
    const seen: number[] = [];
    const counters: [number, number, boolean][] = [];
    const learn = await tinyLearner([
      {
        name: 'probe',
        beforeBatch: (l) => {
          if (l.training) seen.push(l.pctTrain);
        },
        afterBatch: (l) => void counters.push([l.trainIter, l.iter, l.training]),
      },
    ], 3, 1);
    await learn.fit(2);
    const expected = [0, 1 / 6, 1 / 3, 0.5, 2 / 3, 5 / 6];
    seen.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
    expect(counters).toEqual([[1, 0, true], [2, 1, true], [3, 2, true], [3, 0, false], [4, 0, true], [5, 1, true], [6, 2, true], [6, 0, false]]);
  });

  it('trains: plain SGD on the tiny model changes parameters by −lr·grad', async () => {
    const learn = await tinyLearner([], 1, 1);
    const [x, y] = [tf.tensor2d([[Math.sin(0), Math.sin(1)], [Math.sin(2), Math.sin(3)]]), null];
    void y;
    const before = snapshot(learn);
    const grads = tf.tidy(() => {
      const target = x.matMul(tf.tensor2d([[2], [-1]])).add(0.3);
      const model = learn.model as TinyLinear;
      return tf.variableGrads(() => tf.losses.meanSquaredError(target, model.forward([x]) as tf.Tensor) as tf.Scalar, model.parameters()).grads;
    });
    await learn.fit(1, 0.1);
    const after = snapshot(learn);
    const model = learn.model as TinyLinear;
    const gw = grads[model.w.name].dataSync();
    const gb = grads[model.b.name].dataSync();
    before[0].forEach((w, i) => expect(after[0][i]).toBeCloseTo(w - 0.1 * gw[i], 6));
    expect(after[1][0]).toBeCloseTo(before[1][0] - 0.1 * gb[0], 6);
    tf.dispose([x, ...Object.values(grads)]);
  });
});

describe('cancel flow (spec §1.2, TC2)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  async function run(event: EventName, occurrence: number, error: () => Error, nEpoch = 1) {
    const log = eventLog({ throwOn: { event, occurrence, error } });
    const learn = await tinyLearner([log.plugin]);
    log.events.length = 0;
    const before = snapshot(learn);
    let escaped: unknown;
    try {
      await learn.fit(nEpoch);
    } catch (e) {
      escaped = e;
    }
    return { events: log.events, escaped, before, after: snapshot(learn), log };
  }

  const T = TRAIN_BATCH.length;

  it('CancelBatchError in beforeStep of batch 0: no afterStep, batch 1 normal (28 events)', async () => {
    const { events } = await run('beforeStep', 1, () => new CancelBatchError());
    expect(events.slice(3, 3 + 7)).toEqual(['beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterBackward', 'beforeStep', 'afterCancelBatch']);
    expect(events[10]).toBe('afterBatch');
    expect(events.slice(11, 11 + T)).toEqual(TRAIN_BATCH);
    expect(events).toHaveLength(28);
  });

  it('CancelBatchError in afterPred: afterCancelBatch, afterBatch, next batch runs', async () => {
    const { events } = await run('afterPred', 1, () => new CancelBatchError());
    expect(events.slice(3, 8)).toEqual(['beforeBatch', 'afterPred', 'afterCancelBatch', 'afterBatch', 'beforeBatch']);
  });

  it('CancelStepError in beforeStep: parameters unchanged by that step, afterCancelStep, afterStep (29 events)', async () => {
    const log = eventLog({ throwOn: { event: 'beforeStep', occurrence: 1, error: () => new CancelStepError() } });
    const learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(1, 1), lossFunc: 'mse', optimizer: 'sgd', lr: 0.1, plugins: [log.plugin], defaultPlugins: false, backend: 'cpu', quiet: true });
    const before = snapshot(learn);
    log.events.length = 0;
    await learn.fit(1);
    expect(snapshot(learn)).toEqual(before);
    expect(log.events.slice(8, 12)).toEqual(['beforeStep', 'afterCancelStep', 'afterStep', 'afterBatch']);
    const full = await run('beforeStep', 1, () => new CancelStepError());
    expect(full.events).toHaveLength(29);
  });

  it('CancelFitError in afterBatch of train batch 0: 13 events, no afterTrain/afterEpoch', async () => {
    const { events, escaped } = await run('afterBatch', 1, () => new CancelFitError());
    expect(escaped).toBeUndefined();
    expect(events).toEqual(['beforeFit', 'beforeEpoch', 'beforeTrain', ...TRAIN_BATCH, 'afterCancelFit', 'afterFit']);
  });

  it('CancelTrainError in afterBatch of batch 0: validation still runs (21 events)', async () => {
    const { events } = await run('afterBatch', 1, () => new CancelTrainError());
    expect(events).toEqual(['beforeFit', 'beforeEpoch', 'beforeTrain', ...TRAIN_BATCH, 'afterCancelTrain', 'afterTrain', 'beforeValidate', ...VALID_BATCH, 'afterValidate', 'afterEpoch', 'afterFit']);
  });

  it('CancelValidateError in beforeValidate (25 events)', async () => {
    const { events } = await run('beforeValidate', 1, () => new CancelValidateError());
    expect(events.slice(-6)).toEqual(['afterTrain', 'beforeValidate', 'afterCancelValidate', 'afterValidate', 'afterEpoch', 'afterFit']);
    expect(events).toHaveLength(25);
  });

  it('CancelEpochError in beforeEpoch of epoch 0 of 2 (31 events)', async () => {
    const { events } = await run('beforeEpoch', 1, () => new CancelEpochError(), 2);
    expect(events.slice(0, 6)).toEqual(['beforeFit', 'beforeEpoch', 'afterCancelEpoch', 'afterEpoch', 'beforeEpoch', 'beforeTrain']);
    expect(events).toHaveLength(31);
  });

  it('CancelFitError in afterEpoch of epoch 0 of 2 (29 events)', async () => {
    const { events } = await run('afterEpoch', 1, () => new CancelFitError(), 2);
    expect(events.slice(-4)).toEqual(['afterValidate', 'afterEpoch', 'afterCancelFit', 'afterFit']);
    expect(events).toHaveLength(29);
  });

  it('every cancel class thrown from every event matches the fastai flow oracle', async () => {
    const shape = { nEpoch: 2, nTrain: 2, nValid: 1 };
    const events = EVENTS.filter((e) => e !== 'afterCreate');
    let checked = 0;
    for (const Cancel of CANCELS) {
      for (const event of events) {
        for (const occurrence of [1, 2]) {
          const oracle = fastaiFlow(shape, (e, n) => (e === event && n === occurrence ? new Cancel() : undefined));
          if (!oracle.events.includes(event)) continue;
          const real = await run(event, occurrence, () => new Cancel(), shape.nEpoch);
          expect(real.events, `${Cancel.name} in ${event} #${occurrence}`).toEqual(oracle.events);
          if (oracle.escaped) {
            expect(real.escaped, `${Cancel.name} in ${event} #${occurrence} escapes fit`).toBeInstanceOf(Cancel);
            expect(real.log.plugin.onErrorSeen).toHaveLength(1);
          } else {
            expect(real.escaped, `${Cancel.name} in ${event} #${occurrence} is caught`).toBeUndefined();
            expect(real.log.plugin.onErrorSeen).toHaveLength(0);
          }
          checked++;
        }
      }
    }
    expect(checked).toBe(224);
  }, 120_000);
});

describe('ordinary errors', () => {
  afterEach(() => undefined);

  it('names plugin and event, fires onError in every plugin, no afterX, no leaked tensors', async () => {
    await tf.setBackend('cpu');
    for (const event of ['beforeFit', 'afterPred', 'afterLoss', 'beforeStep', 'afterBatch', 'afterValidate', 'afterEpoch'] as EventName[]) {
      const log = eventLog();
      const cleaned: string[] = [];
      const learn = await tinyLearner([
        log.plugin,
        { name: 'boom', [event]: () => { throw new Error('kaput'); } },
        { name: 'holder', onError: () => void cleaned.push('holder released') },
      ]);
      log.events.length = 0;
      const tensorsBefore = tf.memory().numTensors;
      const error = await learn.fit(1).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(PluginError);
      const pe = error as PluginError;
      expect(pe.message).toContain('plugin "boom"');
      expect(pe.message).toContain(`event "${event}"`);
      expect(pe.message).toContain('kaput');
      expect((pe.cause as Error).message).toBe('kaput');
      expect(pe.plugin).toBe('boom');
      expect(pe.event).toBe(event);
      expect(log.plugin.onErrorSeen).toEqual([error]);
      expect(cleaned).toEqual(['holder released']);
      expect(log.events.at(-1)).toBe(event);
      expect(log.events).not.toContain('afterFit');
      expect(tf.memory().numTensors).toBe(tensorsBefore);
    }
  });

  it('an error thrown by a direct tap names the tap', async () => {
    const learn = await tinyLearner([]);
    learn.hooks.afterLoss.tap('my-tap', () => {
      throw new TypeError('bad');
    });
    await expect(learn.fit(1)).rejects.toThrow(/plugin "my-tap" failed on event "afterLoss" \(epoch 0, train iter 0\): bad/);
  });
});

describe('plugins change what is differentiated', () => {
  it('a plugin adding to lossGrad in afterLoss changes the gradient, not the logged loss', async () => {
    await tf.setBackend('cpu');
    const losses: number[] = [];
    const learnA = await tinyLearner([], 1, 1);
    const learnB = await tinyLearner([
      { name: 'double', afterLoss: (l) => { if (l.training) l.lossGrad = tf.mul(l.lossGrad!, 2) as tf.Scalar; } },
      { name: 'peek', runAfter: ['double'], afterLoss: (l) => void losses.push(l.loss!.dataSync()[0], l.lossGrad!.dataSync()[0]) },
    ], 1, 1);
    const p0 = snapshot(learnA);
    await learnA.fit(1, 0.1);
    await learnB.fit(1, 0.1);
    const [a, b] = [snapshot(learnA), snapshot(learnB)];
    // Doubling the loss doubles the step: b − p0 = 2·(a − p0).
    a.flat().forEach((v, i) => expect(b.flat()[i] - p0.flat()[i]).toBeCloseTo(2 * (v - p0.flat()[i]), 5));
    expect(losses[1]).toBeCloseTo(2 * losses[0], 5);
  });

  it('tensor count is the same after every epoch', async () => {
    const counts: number[] = [];
    const learn = await tinyLearner([{ name: 'count', afterEpoch: () => void counts.push(tf.memory().numTensors) }]);
    await learn.fit(4);
    expect(new Set(counts).size).toBe(1);
  });
});
