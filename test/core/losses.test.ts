import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceWithLogits, crossEntropy, mse } from '../../runtime/losses.ts';

const value = (t: tf.Scalar) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

describe('losses (fastai\'s *Flat losses)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('cross-entropy equals −mean log softmax of the target class, for (n, c) and (b, s, c) logits', () => {
    const logits = [[2, 0, -1], [0.5, 0.5, 3]];
    const labels = [0, 2];
    const expected = -logits.map((row, i) => row[labels[i]] - Math.log(row.reduce((a, v) => a + Math.exp(v), 0))).reduce((a, v) => a + v, 0) / 2;
    expect(value(crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')))).toBeCloseTo(expected, 5);
    expect(value(crossEntropy(tf.tensor3d([logits]), tf.tensor2d([labels], [1, 2], 'int32')))).toBeCloseTo(expected, 5);
  });

  it('mse flattens: (n, 1) predictions against (n) targets', () => {
    expect(value(mse(tf.tensor2d([[1], [2], [4]]), tf.tensor1d([1, 1, 1])))).toBeCloseTo((0 + 1 + 9) / 3, 6);
  });

  it('bce-with-logits flattens and equals mean(softplus(x) − x·y)', () => {
    const x = [0.3, -1.2, 2];
    const y = [1, 0, 1];
    const expected = x.reduce((a, v, i) => a + Math.log1p(Math.exp(v)) - v * y[i], 0) / 3;
    expect(value(bceWithLogits(tf.tensor2d(x, [3, 1]), tf.tensor1d(y)))).toBeCloseTo(expected, 5);
  });
});

describe("label-smoothing-cross-entropy (fastai's LabelSmoothingCrossEntropy(eps=0.1))", () => {
  it('equals −Σ log_softmax·eps/c + (1 − eps)·nll, by hand, per item and in the mean; LM shapes flatten', async () => {
    const { LOSSES, labelSmoothingCrossEntropy, crossEntropy: ce } = await import('../../runtime/losses.ts');
    const logits = [[2, 0, -1], [0.5, 0.5, 3]];
    const labels = [0, 2];
    const perItem = logits.map((row, i) => {
      const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
      const logp = row.map((v) => v - lse);
      return (-logp.reduce((a, v) => a + v, 0) * 0.1) / 3 + 0.9 * -logp[labels[i]];
    });
    const ls = LOSSES['label-smoothing-cross-entropy'];
    expect(value(ls(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')))).toBeCloseTo((perItem[0] + perItem[1]) / 2, 5);
    expect(value(ls(tf.tensor3d([logits]), tf.tensor2d([labels], [1, 2], 'int32')))).toBeCloseTo((perItem[0] + perItem[1]) / 2, 5);
    const items = Array.from(ls.perItem!(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')).dataSync());
    items.forEach((v, i) => expect(v).toBeCloseTo(perItem[i], 5));
    // eps = 0 is plain cross-entropy.
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(labels, 'int32');
    expect(value(labelSmoothingCrossEntropy(0)(x, y))).toBeCloseTo(value(ce(x, y)), 6);
    expect(() => labelSmoothingCrossEntropy(1.5)).toThrow(/eps must be in \[0, 1\]/);
    expect(ls.yInt).toBe(true);
  });
});
