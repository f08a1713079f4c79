import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CancelFitError, definePlugin, type Learner } from '../../plugin-sdk/index.ts';
import { crossEntropy } from '../../runtime/losses.ts';
import { tinyLm } from '../rnn/setup.ts';

interface Seen {
  training: boolean;
  loss: number;
  lossGrad: number;
  raw: number[][][];
  out: number[][][];
}

/** Reads loss, lossGrad and the kept activations once the regularizer has run. */
function lossProbe() {
  return definePlugin({
    name: 'loss-probe',
    runAfter: ['rnn-regularizer'],
    seen: [] as Seen[],
    grads: null as Record<string, Float32Array> | null,
    afterLoss(learn: Learner) {
      const rnn = learn.plugin<{ name: string; rawOut: tf.Tensor; out: tf.Tensor }>('rnn-outputs')!;
      this.seen.push({
        training: learn.training,
        loss: learn.loss!.dataSync()[0],
        lossGrad: learn.lossGrad!.dataSync()[0],
        raw: rnn.rawOut.arraySync() as number[][][],
        out: rnn.out.arraySync() as number[][][],
      });
    },
    afterBackward(learn: Learner) {
      if (this.grads) return;
      this.grads = Object.fromEntries(Object.entries(learn.grads!).map(([k, g]) => [k, g.dataSync() as Float32Array]));
    },
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** alpha · mean(out²), by hand. */
const ar = (out: number[][][]) => mean(out.flat(2).map((v) => v * v));
/** mean((h_t − h_{t−1})²) over (batch, t ≥ 1, hidden), by hand. */
const tar = (raw: number[][][]) => mean(raw.flatMap((row) => row.slice(1).flatMap((h, t) => h.map((v, k) => (v - row[t][k]) ** 2))));

describe('rnn-regularizer', () => {
  it('runs after rnn-outputs whatever the listed order', async () => {
    const { learn, model } = await tinyLm({ plugins: [['rnn-regularizer', { alpha: 2, beta: 1 }], 'rnn-outputs'] });
    const names = learn.plugins.map((p) => p.name);
    expect(names.indexOf('rnn-outputs')).toBeLessThan(names.indexOf('rnn-regularizer'));
    model.dispose();
  });

  it('adds alpha·mean(out²) + beta·mean((h_t − h_{t−1})²) to lossGrad while training, leaves loss alone, adds nothing in validation', async () => {
    const alpha = 2;
    const beta = 1.5;
    const probe = lossProbe();
    const { learn, model } = await tinyLm({ plugins: [['rnn-regularizer', { alpha, beta }], 'rnn-outputs', 'model-resetter', probe] });
    await learn.fit(1);
    const train = probe.seen.filter((s) => s.training);
    const valid = probe.seen.filter((s) => !s.training);
    expect(train).toHaveLength(3);
    expect(valid).toHaveLength(1);
    for (const s of train) {
      expect(s.out.flat(2).some((v, i) => v !== s.raw.flat(2)[i])).toBe(true); // dropout ran: AR sees `out`, TAR sees `raw`
      const expected = s.loss + alpha * ar(s.out) + beta * tar(s.raw);
      expect(s.lossGrad - s.loss).toBeGreaterThan(1e-4);
      expect(s.lossGrad).toBeCloseTo(expected, 5);
    }
    for (const s of valid) expect(s.lossGrad).toBe(s.loss);
    // the logged loss is the plain cross-entropy
    expect(learn.recorder!.values[0][1]).toBeCloseTo(valid[0].loss, 5);
    model.dispose();
  });

  it('the gradient is that of the regularized loss', async () => {
    const alpha = 3;
    const beta = 2;
    const probe = lossProbe();
    const stop = definePlugin({ name: 'stop', afterBackward: () => { throw new CancelFitError(); } });
    const { learn, model, dls } = await tinyLm({ dropout: 0, plugins: ['rnn-outputs', ['rnn-regularizer', { alpha, beta }], probe, stop] });
    const [x, y] = dls.train[Symbol.iterator]().next().value!;
    model.reset();
    const expected = tf.variableGrads(() => {
      const [logits, raw] = model.forward([x], { training: true });
      const [b, t, h] = raw.shape;
      const diff = tf.sub(raw.slice([0, 1, 0], [b, t - 1, h]), raw.slice([0, 0, 0], [b, t - 1, h]));
      return tf.addN([crossEntropy(logits, y), tf.mul(alpha, tf.mean(tf.square(raw))), tf.mul(beta, tf.mean(tf.square(diff)))]) as tf.Scalar;
    }, model.parameters());
    await learn.fit(1);
    for (const p of model.parameters()) {
      const want = expected.grads[p.name].dataSync();
      probe.grads![p.name].forEach((g, i) => expect(g).toBeCloseTo(want[i], 5));
    }
    tf.dispose([x, y, expected.value, ...Object.values(expected.grads)]);
    model.dispose();
  });

  it('refuses to run without rnn-outputs', async () => {
    const { learn, model } = await tinyLm({ plugins: [['rnn-regularizer', { alpha: 1 }]] });
    await expect(learn.fit(1)).rejects.toThrow(/rnn-outputs/);
    model.dispose();
  });
});
