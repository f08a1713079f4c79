// Tests of the SDK's `createTestLearner` (plugin-sdk/testing.ts), the plugin author's kit.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CancelBatchError, definePlugin, type EventName } from '../../plugin-sdk/index.ts';
import { createTestLearner } from '../../runtime/testing/test-learner.ts';

const TRAIN_BATCH: EventName[] = ['beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterBackward', 'beforeStep', 'afterStep', 'afterBatch'];
const VALID_BATCH: EventName[] = ['beforeBatch', 'afterPred', 'afterLoss', 'afterBatch'];

describe('createTestLearner', () => {
  it('records the events of a fit in order (spec §1.4: 2 training batches, 1 validation batch)', async () => {
    const learn = await createTestLearner();
    await learn.fit(1);
    expect(learn.events).toEqual([
      'afterCreate', 'beforeFit', 'beforeEpoch', 'beforeTrain', ...TRAIN_BATCH, ...TRAIN_BATCH, 'afterTrain',
      'beforeValidate', ...VALID_BATCH, 'afterValidate', 'afterEpoch', 'afterFit',
    ]);
    const batches = learn.trace.filter((t) => t.event === 'beforeBatch');
    expect(batches.map((t) => [t.epoch, t.iter, t.training])).toEqual([[0, 0, true], [0, 1, true], [0, 0, false]]);
    learn.clearEvents();
    expect(learn.events).toEqual([]);
    learn.dispose();
  });

  it('runs only the given plugins (no recorder unless asked) and hides its own event recorder', async () => {
    const mine = definePlugin({ name: 'mine', afterBatch() {} });
    const learn = await createTestLearner({ plugins: [mine] });
    expect(learn.plugins.map((p) => p.name)).toEqual(['mine']);
    expect(learn.recorder).toBeUndefined();
    expect(learn.explain().filter((e) => e.taps.length)).toEqual([{ event: 'afterBatch', taps: ['mine'] }]);
    learn.dispose();
    const withRecorder = await createTestLearner({ recorder: true });
    await withRecorder.fit(2);
    expect(withRecorder.recorder?.values).toHaveLength(2);
    withRecorder.dispose();
  });

  it('is a real learner: the first loss and the SGD step match the formulas', async () => {
    const learn = await createTestLearner({ nTrain: 1, nValid: 1, batchSize: 4, lr: 0.1 });
    // The toy regression: x_ij = sin(1.3·(2i + j)), y = 2·x0 − x1 + 0.3, model x·w + b with w = [0.5, −0.25], b = 0.1.
    const xs = [0, 1, 2, 3].map((i) => [Math.sin(1.3 * 2 * i), Math.sin(1.3 * (2 * i + 1))]);
    const ys = xs.map(([a, b]) => 2 * a - b + 0.3);
    const preds = xs.map(([a, b]) => 0.5 * a - 0.25 * b + 0.1);
    const err = preds.map((p, i) => p - ys[i]);
    const mse = err.reduce((s, e) => s + e * e, 0) / 4;
    const gw = [0, 1].map((j) => (2 / 4) * err.reduce((s, e, i) => s + e * xs[i][j], 0));
    const gb = (2 / 4) * err.reduce((s, e) => s + e, 0);
    await learn.fit(1);
    expect(learn.losses).toHaveLength(1);
    expect(learn.losses[0]).toBeCloseTo(mse, 5);
    expect(learn.lossGrads[0]).toBeCloseTo(mse, 5);
    const [w, b] = learn.paramValues();
    expect(w[0]).toBeCloseTo(0.5 - 0.1 * gw[0], 5);
    expect(w[1]).toBeCloseTo(-0.25 - 0.1 * gw[1], 5);
    expect(b[0]).toBeCloseTo(0.1 - 0.1 * gb, 5);
    learn.dispose();
  });

  it('shows a plugin\'s effect on events, loss and parameters', async () => {
    // Cancels the second training batch after its loss, and doubles the differentiated loss of the others.
    const plugin = definePlugin({
      name: 'skip-second',
      afterLoss(learn) {
        if (!learn.training) return;
        if (learn.iter === 1) throw new CancelBatchError();
        learn.lossGrad = tf.mul(learn.lossGrad!, 2) as tf.Scalar;
      },
    });
    const learn = await createTestLearner({ plugins: [plugin] });
    await learn.fit(1);
    const second = learn.trace.findIndex((t) => t.event === 'beforeBatch' && t.iter === 1 && t.training);
    expect(learn.events.slice(second, second + 5)).toEqual(['beforeBatch', 'afterPred', 'afterLoss', 'afterCancelBatch', 'afterBatch']);
    expect(learn.events.filter((e) => e === 'afterStep')).toHaveLength(1);
    expect(learn.lossGrads).toHaveLength(1);
    expect(learn.lossGrads[0]).toBeCloseTo(2 * learn.losses[0], 6);
    expect(learn.tapsRun.filter((t) => t.event === 'afterLoss').map((t) => t.tap)).toEqual(['skip-second', 'skip-second', 'skip-second']);
    learn.dispose();
  });

  it('takes plugins by built-in name, and keeps what they log', async () => {
    const logger = definePlugin({ name: 'logger', afterFit: (learn) => learn.log('done') });
    const learn = await createTestLearner({ task: 'classification', plugins: ['terminate-on-nan', logger], metrics: ['accuracy'] });
    expect(learn.plugins.map((p) => p.name)).toEqual(['terminate-on-nan', 'logger']);
    await learn.fit(1);
    expect(learn.logs).toContain('done');
    expect(learn.backend).toBe('cpu');
    learn.dispose();
  });

  it('leaks nothing across fits, and dispose frees its tensors', async () => {
    const start = tf.memory().numTensors;
    const learn = await createTestLearner({ task: 'classification' });
    await learn.fit(1);
    const after = tf.memory().numTensors;
    await learn.fit(2);
    expect(tf.memory().numTensors).toBe(after);
    learn.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it("is published as tapfit/plugin-sdk/testing from the runtime, so the SDK itself stays free of the runtime", () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(pkg.exports['./plugin-sdk/testing'].import).toBe('./dist/runtime/testing/test-learner.js');
    const source = readFileSync('runtime/testing/test-learner.ts', 'utf8');
    expect(source).not.toMatch(/import\(/); // the runtime is imported statically: no `import('tapfit')` at run time
  });
});
