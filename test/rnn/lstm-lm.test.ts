import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LstmLM, type LstmState } from '../../runtime/models/lstm-lm.ts';
import { crossEntropy } from '../../runtime/losses.ts';

/** The LSTM LM written the plain way (batch-major, autodiff only), with the same weights. */
function reference(model: LstmLM, x: tf.Tensor2D, init: readonly LstmState[] | null): { logits: tf.Tensor; raw: tf.Tensor; state: LstmState[] } {
  const [bs, T] = x.shape;
  const H = model.nHidden;
  let input: tf.Tensor = tf.gather(model.embedding, x); // (bs, T, E)
  const state: LstmState[] = [];
  model.layers.forEach((layer, l) => {
    let h: tf.Tensor2D = init ? (tf.transpose(init[l].h) as tf.Tensor2D) : tf.zeros([bs, H]);
    let c: tf.Tensor2D = init ? (tf.transpose(init[l].c) as tf.Tensor2D) : tf.zeros([bs, H]);
    const outs: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const xt = input.slice([0, t, 0], [bs, 1, -1]).reshape([bs, -1]) as tf.Tensor2D;
      const gates = tf.matMul(xt, layer.wIh, false, true).add(tf.matMul(h, layer.wHh, false, true)).add(layer.bias.reshape([-1]));
      const [i, f, g, o] = tf.split(gates, 4, 1);
      c = tf.sigmoid(f).mul(c).add(tf.sigmoid(i).mul(tf.tanh(g)));
      h = tf.sigmoid(o).mul(tf.tanh(c));
      outs.push(h);
    }
    state.push({ h: tf.transpose(h), c: tf.transpose(c) });
    input = tf.stack(outs, 1);
  });
  const decoder = model.decoderWeight ?? model.embedding;
  const logits = tf.matMul(input.reshape([bs * T, H]) as tf.Tensor2D, decoder, false, true).add(model.decoderBias).reshape([bs, T, -1]);
  return { logits, raw: input, state };
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const ids = (bs: number, T: number, V: number, seed: number) => tf.randomUniform([bs, T], 0, V, 'int32', seed) as tf.Tensor2D;

describe('LstmLM', () => {
  let model: LstmLM;
  beforeAll(() => {
    model = new LstmLM({ vocabSize: 11, nHidden: 6, nLayers: 2, dropout: 0.4, seed: 3 });
  });
  afterAll(() => model.dispose());

  it('returns [logits, raw, out] equal to a plain LSTM, and its gradients equal autodiff of it', () => {
    model.reset();
    const x = ids(3, 5, 11, 1);
    const y = ids(3, 5, 11, 2);
    tf.tidy(() => {
      const [logits, raw, out] = model.forward([x], { training: false });
      expect(logits.shape).toEqual([3, 5, 11]);
      expect(raw.shape).toEqual([3, 5, 6]);
      expect(maxDiff(raw, out)).toBe(0); // no dropout outside training
      const ref = reference(model, x, null);
      expect(maxDiff(logits, ref.logits)).toBeLessThan(1e-5);
      expect(maxDiff(raw, ref.raw)).toBeLessThan(1e-5);
      model.state!.forEach((s, l) => {
        expect(maxDiff(s.h, ref.state[l].h)).toBeLessThan(1e-5);
        expect(maxDiff(s.c, ref.state[l].c)).toBeLessThan(1e-5);
      });
    });
    // gradients from the second batch on: the state carried in is a constant (truncated BPTT)
    const carried = model.state!.map((s) => ({ h: s.h.clone(), c: s.c.clone() }));
    const ours = tf.variableGrads(() => crossEntropy(model.forward([x], { training: false })[0], y), model.parameters());
    const theirs = tf.variableGrads(() => crossEntropy(reference(model, x, carried).logits, y), model.parameters());
    expect(Math.abs(ours.value.dataSync()[0] - theirs.value.dataSync()[0])).toBeLessThan(1e-5);
    for (const p of model.parameters()) {
      const scale = tf.tidy(() => tf.max(tf.abs(theirs.grads[p.name])).dataSync()[0]);
      expect(scale).toBeGreaterThan(0);
      expect(maxDiff(ours.grads[p.name], theirs.grads[p.name])).toBeLessThan(1e-5 + 1e-4 * scale);
    }
    tf.dispose([ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads), x, y]);
    tf.dispose(carried.flatMap((s) => [s.h, s.c]));
  });

  it('carries the hidden state across calls: two halves give the same outputs as the whole', () => {
    const x = ids(2, 8, 11, 4);
    model.reset();
    const whole = tf.tidy(() => model.forward([x], { training: false })[0].arraySync() as number[][][]);
    model.reset();
    const first = tf.tidy(() => model.forward([x.slice([0, 0], [2, 4])], { training: false })[0].arraySync() as number[][][]);
    const second = tf.tidy(() => model.forward([x.slice([0, 4], [2, 4])], { training: false })[0].arraySync() as number[][][]);
    const joined = first.map((row, b) => [...row, ...second[b]]);
    joined.flat(2).forEach((v, i) => expect(v).toBeCloseTo(whole.flat(2)[i], 5));
    x.dispose();
  });

  it('reset() zeroes the state; a new batch size starts from zeros', () => {
    const x = ids(2, 3, 11, 5);
    tf.tidy(() => model.forward([x], { training: false }));
    expect(model.state!.some((s) => tf.tidy(() => tf.any(tf.notEqual(s.h, 0)).dataSync()[0]))).toBe(true);
    model.reset();
    for (const s of model.state!) {
      expect(s.h.shape).toEqual([6, 2]);
      expect(Array.from(s.h.dataSync()).every((v) => v === 0)).toBe(true);
      expect(Array.from(s.c.dataSync()).every((v) => v === 0)).toBe(true);
    }
    tf.tidy(() => model.forward([x], { training: false }));
    const x4 = ids(4, 3, 11, 6);
    const fresh = new LstmLM({ vocabSize: 11, nHidden: 6, nLayers: 2, seed: 3 });
    const a = tf.tidy(() => model.forward([x4], { training: false })[0].arraySync());
    const b = tf.tidy(() => fresh.forward([x4], { training: false })[0].arraySync());
    expect(a).toEqual(b);
    fresh.dispose();
    tf.dispose([x, x4]);
  });

  it('applies inverted dropout to the outputs only while training', () => {
    model.reset();
    const x = ids(4, 6, 11, 7);
    tf.tidy(() => {
      const [, raw, out] = model.forward([x], { training: true });
      const r = raw.dataSync();
      const o = out.dataSync();
      let dropped = 0;
      r.forEach((v, i) => {
        if (o[i] === 0) dropped++;
        else expect(o[i]).toBeCloseTo(v / 0.6, 5);
      });
      expect(dropped / r.length).toBeGreaterThan(0.2);
      expect(dropped / r.length).toBeLessThan(0.6);
    });
    x.dispose();
  });

  it('is reproducible from its seed, 0 included (tfjs takes a seed of 0 for none)', () => {
    const weights = (m: LstmLM) => m.parameters().map((p) => [...p.dataSync()]);
    const a = new LstmLM({ vocabSize: 5, nHidden: 3, seed: 0 });
    const b = new LstmLM({ vocabSize: 5, nHidden: 3, seed: 0 });
    expect(weights(a)).toEqual(weights(b));
    const x = tf.zeros([2, 3], 'int32');
    const out = (m: LstmLM) => tf.tidy(() => m.forward([x], { training: true })[2].arraySync());
    expect(out(a)).toEqual(out(b));
    tf.dispose([x]);
    a.dispose();
    b.dispose();
  });

  it('ties the decoder to the embedding when sizes allow, and can untie it', () => {
    expect(model.tied).toBe(true);
    expect(model.parameters().length).toBe(1 + 3 * 2 + 1);
    expect(model.paramGroups().map((g) => g.length)).toEqual([3, 3, 2]);
    expect(new Set(model.paramGroups().flat())).toEqual(new Set(model.parameters()));
    const untied = new LstmLM({ vocabSize: 11, nHidden: 6, embSize: 4, nLayers: 1 });
    expect(untied.tied).toBe(false);
    expect(untied.parameters().length).toBe(1 + 3 + 2);
    expect(untied.noWeightDecay().length).toBe(2);
    untied.dispose();
    expect(() => new LstmLM({ vocabSize: 11, nHidden: 6, embSize: 4, tieWeights: true })).toThrow(/tied/);
  });

  it('differentiates a one-step batch (the short last batch of an epoch)', () => {
    model.reset();
    const x = ids(3, 1, 11, 10);
    const y = ids(3, 1, 11, 11);
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward([x], { training: true })[0], y), model.parameters());
    expect(Object.keys(grads)).toHaveLength(model.parameters().length);
    expect(Object.values(grads).every((g) => g.dataSync().every(Number.isFinite))).toBe(true);
    tf.dispose([value, ...Object.values(grads), x, y]);
  });

  it('leaks no tensors over training steps', () => {
    model.reset();
    const x = ids(3, 4, 11, 8);
    const y = ids(3, 4, 11, 9);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward([x], { training: true })[0], y), model.parameters());
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    step();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose([x, y]);
  });
});
