import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { TapfitError } from 'tapfit/plugin-sdk';
import { createTestLearner } from 'tapfit/plugin-sdk/testing';
import labelSmoothing, { smoothedCrossEntropy } from './index.ts';

/** The first training batch of a test learner, and its logits under the current parameters. */
function firstBatchLogits(learn: Awaited<ReturnType<typeof createTestLearner>>) {
  const [x, y] = learn.dls.train[Symbol.iterator]().next().value!;
  const logits = learn.model.forward([x], { training: true }) as tf.Tensor;
  return { x, y, logits };
}

describe('tapfit-plugin-label-smoothing', () => {
  it('differentiates (1 − eps)·nll + eps·mean(−log p) on training batches', async () => {
    const learn = await createTestLearner({ task: 'classification', plugins: [labelSmoothing({ eps: 0.2, report: false })] });
    const { x, y, logits } = firstBatchLogits(learn);
    // By hand, from the softmax: the expected loss of the first batch before any step.
    const logp = tf.logSoftmax(logits).arraySync() as number[][];
    const labels = y.arraySync() as number[];
    const nll = -labels.reduce((s, c, i) => s + logp[i][c], 0) / labels.length;
    const uniform = -logp.reduce((s, row) => s + row.reduce((a, b) => a + b, 0) / row.length, 0) / logp.length;
    tf.dispose([x, y, logits]);

    await learn.fit(1);
    expect(learn.losses[0]).toBeCloseTo(nll, 5); // the recorder-facing loss is untouched
    expect(learn.lossGrads[0]).toBeCloseTo(0.8 * nll + 0.2 * uniform, 5);
    expect(learn.lossGrads).toHaveLength(2); // training batches only
    learn.dispose();
  });

  it('with eps = 0 trains exactly like plain cross-entropy', async () => {
    const plain = await createTestLearner({ task: 'classification' });
    const smoothed = await createTestLearner({ task: 'classification', plugins: [labelSmoothing({ eps: 0 })] });
    await plain.fit(2);
    await smoothed.fit(2);
    const a = plain.paramValues().flat();
    const b = smoothed.paramValues().flat();
    b.forEach((v, i) => expect(v).toBeCloseTo(a[i], 5));
    plain.dispose();
    smoothed.dispose();
  });

  it('changes the parameter updates when eps > 0, and fires the same events', async () => {
    const plain = await createTestLearner({ task: 'classification' });
    const smoothed = await createTestLearner({ task: 'classification', plugins: [labelSmoothing({ eps: 0.3 })] });
    await plain.fit(1);
    await smoothed.fit(1);
    expect(smoothed.events).toEqual(plain.events);
    const diff = plain.paramValues().flat().map((v, i) => Math.abs(v - smoothed.paramValues().flat()[i]));
    expect(Math.max(...diff)).toBeGreaterThan(1e-4);
    expect(smoothed.tapsRun.filter((t) => t.event === 'afterLoss').map((t) => t.tap)).toEqual(['label-smoothing', 'label-smoothing', 'label-smoothing']);
    plain.dispose();
    smoothed.dispose();
  });

  it('reports both losses after each training phase', async () => {
    const learn = await createTestLearner({ task: 'classification', plugins: [labelSmoothing({ eps: 0.1 })] });
    await learn.fit(2);
    const reports = learn.logs.filter((l) => l.startsWith('label-smoothing:'));
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatch(/^label-smoothing: epoch 1 trained on smoothed loss \d\.\d{4} \(eps 0\.1; plain cross-entropy \d\.\d{4}\)$/);
    learn.dispose();
  });

  it('leaks no tensors', async () => {
    const learn = await createTestLearner({ task: 'classification', plugins: [labelSmoothing()] });
    await learn.fit(1);
    const before = tf.memory().numTensors;
    await learn.fit(2);
    expect(tf.memory().numTensors).toBe(before);
    learn.dispose();
  });

  it('validates its options with its schema', () => {
    expect(() => labelSmoothing({ eps: 1.5 })).toThrow(TapfitError);
    expect(() => labelSmoothing({ eps: 1.5 })).toThrow(/plugin "label-smoothing": invalid options: eps: /);
    expect(labelSmoothing.optionsSchema?.safeParse({ eps: 0.1, unknown: 1 }).success).toBe(false);
  });

  it('smoothedCrossEntropy is plain cross-entropy at eps = 0 and uniform at eps = 1', () => {
    const logits = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3]]);
    const labels = tf.tensor1d([0, 2], 'int32');
    const logp = tf.logSoftmax(logits).arraySync() as number[][];
    expect(smoothedCrossEntropy(logits, labels, 0).dataSync()[0]).toBeCloseTo(-(logp[0][0] + logp[1][2]) / 2, 5);
    expect(smoothedCrossEntropy(logits, labels, 1).dataSync()[0]).toBeCloseTo(-(logp.flat().reduce((a, b) => a + b) / 6), 5);
    tf.dispose([logits, labels]);
  });
});
