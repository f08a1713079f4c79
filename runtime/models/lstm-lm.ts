import * as tf from '@tensorflow/tfjs';
import { TapfitError, type Module } from '../../plugin-sdk/index.ts';

export interface LstmLmOptions {
  vocabSize: number;
  /** Hidden units of each LSTM layer; default 64 (the book's human-numbers models). */
  nHidden?: number;
  /** Embedding size; default `nHidden` (required for tied weights). */
  embSize?: number;
  nLayers?: number;
  /** Dropout on the last layer's outputs before the decoder (the book's `LMModel7`); default 0.5. */
  dropout?: number;
  /** Share the embedding matrix with the decoder (the book's `LMModel7`); default true when `embSize = nHidden`. */
  tieWeights?: boolean;
  /** Initial bias of the forget gates; default 1 (a common choice that speeds up early training). */
  forgetBias?: number;
  /** Seeds the initial weights and the dropout masks. */
  seed?: number;
}

/** Hidden and cell state of one LSTM layer, (nHidden × batch) each. */
export interface LstmState {
  h: tf.Tensor2D;
  c: tf.Tensor2D;
}

/** `LstmLM.stateDict()`: the hidden state per layer ((nHidden × batch) values each), and the dropout counter. */
export interface LstmLmState {
  batchSize: number | null;
  nDropouts: number;
  h: Float32Array[] | null;
  c: Float32Array[] | null;
}

interface LstmLayer {
  /** Input-to-gates weights (4H × in), PyTorch's `weight_ih`: gates in the order [input, forget, cell, output]. */
  wIh: tf.Variable;
  /** Hidden-to-gates weights (4H × H), PyTorch's `weight_hh`. */
  wHh: tf.Variable;
  /** (4H × 1), the forget block starting at `forgetBias`. */
  bias: tf.Variable;
}

/**
 * `a·b` whose gradient uses explicit transposes and plain matMuls: the wasm backend's matMul is
 * XNNPACK only without transpose flags (a naive loop, 5–10× slower, with them), and autodiff's matMul
 * gradient sets them.
 */
const linear = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, [sa, sb]: tf.Tensor[]) => [
      tf.matMul(dy, tf.transpose(sb as tf.Tensor2D)),
      tf.matMul(tf.transpose(sa as tf.Tensor2D), dy),
    ],
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * `linear(w, x)` for one LSTM step of a layer whose `w` is shared by all its steps: the input gradient uses
 * `wT`, w transposed once per batch, instead of transposing w again in every step's backward pass.
 */
function stepLinear(wT: tf.Tensor2D): (w: tf.Tensor2D, x: tf.Tensor2D) => tf.Tensor2D {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [w, x, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    // Saved, not just captured: the forward pass's tidy frees everything the tape does not keep.
    save([x, wT]);
    return {
      value: tf.matMul(w, x),
      gradFunc: (dy: tf.Tensor2D, [sx, swT]: tf.Tensor[]) => [tf.matMul(dy, tf.transpose(sx as tf.Tensor2D)), tf.matMul(swT as tf.Tensor2D, dy)],
    };
  }) as (w: tf.Tensor2D, x: tf.Tensor2D) => tf.Tensor2D;
}

let modelCount = 0;

/**
 * A stateful LSTM language model written with tfjs ops: embedding (`tf.gather`) → `nLayers` LSTM layers →
 * dropout → linear decoder, the book's `LMModel6`/`LMModel7`. `forward([x])` takes int32 ids (batch × seq)
 * and returns `[logits, rawOutputs, outputs]`: the (batch × seq × vocab) logits, and the last layer's
 * activations at every time step before and after dropout (batch × seq × nHidden), for the `rnn-outputs`
 * and `rnn-regularizer` plugins.
 *
 * The hidden state carries over from one call to the next (truncated BPTT: a state tensor kept from the last
 * batch is a constant to the next gradient tape, so gradients stop at the batch boundary). `reset()` zeroes it.
 * The state a call started from is still read by that call's backward pass, so it is disposed at the next call:
 * one forward per gradient tape.
 *
 * Layout, for speed on the `cpu` and `wasm` backends: the recurrence runs feature-major — state and gates are
 * (features × batch) — so that each step is one concat `[x; h; 1]`, one matMul with `[W_ih | W_hh | b]` for
 * the four gates, and one split along the first axis (contiguous on `cpu`; the stock `cpu` slice is an
 * element loop otherwise). Steps are never sliced out of a large tensor (the `wasm` slice copies its whole input).
 */
export class LstmLM implements Module {
  readonly vocabSize: number;
  readonly nHidden: number;
  readonly embSize: number;
  readonly nLayers: number;
  readonly dropout: number;
  readonly tied: boolean;
  readonly embedding: tf.Variable;
  readonly layers: readonly LstmLayer[];
  readonly decoderWeight: tf.Variable | null;
  readonly decoderBias: tf.Variable;

  private hidden: LstmState[] | null = null;
  /** The state the last forward started from: the last tape still reads it, so it goes at the next forward. */
  private stale: tf.Tensor[] = [];
  private batchSize: number | null = null;
  private readonly seed: number | undefined;
  private nDropouts = 0;

  constructor(options: LstmLmOptions) {
    this.vocabSize = options.vocabSize;
    this.nHidden = options.nHidden ?? 64;
    this.embSize = options.embSize ?? this.nHidden;
    this.nLayers = options.nLayers ?? 2;
    this.dropout = options.dropout ?? 0.5;
    this.tied = options.tieWeights ?? this.embSize === this.nHidden;
    if (this.tied && this.embSize !== this.nHidden) {
      throw new TapfitError('E_CONFIG', `LstmLM: tied weights need embSize (${this.embSize}) = nHidden (${this.nHidden})`);
    }
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new TapfitError('E_CONFIG', `LstmLM: dropout must be in [0, 1), got ${this.dropout}`);
    this.seed = options.seed;
    const prefix = `lstm_lm_${modelCount++}`;
    let seedCount = 0;
    // tfjs treats a seed of 0 as none, so the counters start at 1
    const seed = () => (this.seed === undefined ? undefined : this.seed * 1009 + ++seedCount);
    const H = this.nHidden;
    const bound = 1 / Math.sqrt(H);
    const uniform = (shape: number[], name: string) =>
      tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', seed()), true, `${prefix}/${name}`);
    // nn.Embedding's N(0, 1), shrunk when it doubles as the decoder so that the first logits are not huge.
    this.embedding = tf.variable(
      tf.tidy(() => tf.mul(tf.randomNormal([this.vocabSize, this.embSize], 0, 1, 'float32', seed()), this.tied ? bound : 1)),
      true,
      `${prefix}/embedding`,
    );
    const forgetBias = options.forgetBias ?? 1;
    this.layers = Array.from({ length: this.nLayers }, (_, l) => ({
      wIh: uniform([4 * H, l === 0 ? this.embSize : H], `lstm${l}/weight_ih`),
      wHh: uniform([4 * H, H], `lstm${l}/weight_hh`),
      bias: tf.variable(
        tf.tidy(() => tf.concat([tf.zeros([H, 1]), tf.fill([H, 1], forgetBias), tf.zeros([2 * H, 1])])),
        true,
        `${prefix}/lstm${l}/bias`,
      ),
    }));
    this.decoderWeight = this.tied ? null : uniform([this.vocabSize, H], 'decoder/weight');
    this.decoderBias = tf.variable(tf.zeros([this.vocabSize]), true, `${prefix}/decoder/bias`);
  }

  forward([x]: tf.Tensor[], { training }: { training: boolean }): tf.Tensor[] {
    if (x.rank !== 2) throw new TapfitError('E_DATA', `LstmLM: expected token ids of shape (batch, seq), got [${x.shape}]`);
    const [bs, T] = x.shape as [number, number];
    if (this.batchSize !== bs) this.zeroState(bs);
    for (const t of this.stale) t.dispose();
    this.stale = this.hidden!.flatMap((s) => [s.h, s.c]);

    const H = this.nHidden;
    const ones = tf.ones([1, bs]);
    // (T, E, batch), one step per leading index.
    const embedded = tf.transpose(tf.gather(this.embedding, tf.transpose(x.toInt())), [0, 2, 1]);
    // tfjs's gradient of a split into one piece fails ("Pass at least one tensor to concat"): a one-step batch
    // (the short last batch of an epoch) is used as it is.
    const steps = T === 1 ? [embedded] : tf.split(embedded, T, 0);
    let inputs: tf.Tensor2D[] = steps.map((t) => t.reshape([this.embSize, bs]) as tf.Tensor2D);
    const next: LstmState[] = [];
    this.layers.forEach((layer, l) => {
      const w = tf.concat([layer.wIh, layer.wHh, layer.bias], 1) as tf.Tensor2D;
      const gateLinear = stepLinear(tf.transpose(w));
      let { h, c } = this.hidden![l];
      const outs: tf.Tensor2D[] = [];
      for (const xt of inputs) {
        const gates = gateLinear(w, tf.concat([xt, h, ones], 0) as tf.Tensor2D);
        const [i, f, g, o] = tf.split(gates, 4, 0);
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
        outs.push(h);
      }
      next.push({ h: tf.keep(h), c: tf.keep(c) });
      inputs = outs;
    });
    this.hidden = next;

    // (T, H, batch) → (batch, T, H)
    const raw = tf.transpose(tf.stack(inputs, 0), [2, 0, 1]);
    const out = training && this.dropout > 0 ? tf.dropout(raw, this.dropout, undefined, this.dropoutSeed()) : raw;
    const decoder = tf.transpose(this.decoderWeight ?? this.embedding) as tf.Tensor2D;
    const logits = tf.add(linear(out.reshape([bs * T, H]), decoder), this.decoderBias).reshape([bs, T, this.vocabSize]);
    return [logits, raw, out];
  }

  /** The hidden state per layer, (nHidden × batch) each, that the next batch starts from; `null` before the first batch. */
  get state(): readonly LstmState[] | null {
    return this.hidden;
  }

  /**
   * What an exact resume needs besides the weights: the hidden state the next batch starts from (read from
   * the device: one small read per checkpoint) and how many dropout masks were drawn (their seeds follow it).
   */
  stateDict(): LstmLmState {
    const read = (t: tf.Tensor) => (t.dataSync() as Float32Array).slice();
    return {
      batchSize: this.batchSize,
      nDropouts: this.nDropouts,
      h: this.hidden?.map((s) => read(s.h)) ?? null,
      c: this.hidden?.map((s) => read(s.c)) ?? null,
    };
  }

  loadStateDict(state: unknown): void {
    const s = state as Partial<LstmLmState> | null;
    const bs = s?.batchSize;
    const size = (a: unknown) => (a instanceof Float32Array ? a.length : -1);
    const valid =
      typeof s?.nDropouts === 'number' &&
      (bs === null ||
        (typeof bs === 'number' &&
          Array.isArray(s.h) &&
          Array.isArray(s.c) &&
          s.h.length === this.nLayers &&
          s.c.length === this.nLayers &&
          [...s.h, ...s.c].every((a) => size(a) === this.nHidden * bs)));
    if (!valid) throw new TapfitError('E_CHECKPOINT', `LstmLM: the saved state does not fit this model (${this.nLayers} layers of ${this.nHidden} units)`);
    this.disposeState();
    this.nDropouts = s!.nDropouts!;
    this.batchSize = bs ?? null;
    if (bs == null) return;
    const H = this.nHidden;
    this.hidden = s!.h!.map((h, l) => ({
      h: tf.keep(tf.tensor2d(h, [H, bs])),
      c: tf.keep(tf.tensor2d(s!.c![l], [H, bs])),
    }));
  }

  /** Zero the hidden state (fastai's `reset`): the next batch starts from scratch. */
  reset(): void {
    if (this.batchSize !== null) this.zeroState(this.batchSize);
  }

  parameters(): tf.Variable[] {
    return [
      this.embedding,
      ...this.layers.flatMap((l) => [l.wIh, l.wHh, l.bias]),
      ...(this.decoderWeight ? [this.decoderWeight] : []),
      this.decoderBias,
    ];
  }

  /** fastai's AWD-LSTM split: one group per LSTM layer, then the embedding/decoder. */
  paramGroups(): tf.Variable[][] {
    return [
      ...this.layers.map((l) => [l.wIh, l.wHh, l.bias]),
      [this.embedding, ...(this.decoderWeight ? [this.decoderWeight] : []), this.decoderBias],
    ];
  }

  noWeightDecay(): tf.Variable[] {
    return [...this.layers.map((l) => l.bias), this.decoderBias];
  }

  dispose(): void {
    this.disposeState();
    this.batchSize = null;
    for (const p of this.parameters()) p.dispose();
  }

  private zeroState(bs: number): void {
    this.disposeState();
    this.batchSize = bs;
    this.hidden = this.layers.map(() => ({
      h: tf.keep(tf.zeros([this.nHidden, bs])) as tf.Tensor2D,
      c: tf.keep(tf.zeros([this.nHidden, bs])) as tf.Tensor2D,
    }));
  }

  private disposeState(): void {
    for (const s of this.hidden ?? []) tf.dispose([s.h, s.c]);
    for (const t of this.stale) t.dispose();
    this.hidden = null;
    this.stale = [];
  }

  private dropoutSeed(): number | undefined {
    return this.seed === undefined ? undefined : this.seed * 7919 + ++this.nDropouts;
  }
}
