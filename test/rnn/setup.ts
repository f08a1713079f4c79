import * as tf from '@tensorflow/tfjs';
import { LMDataLoaders } from '../../runtime/data/lm.ts';
import { Learner, type LearnerOptions } from '../../runtime/learner/learner.ts';
import { LstmLM } from '../../runtime/models/lstm-lm.ts';
import type { LstmState } from '../../runtime/models/lstm-lm.ts';

/** A tiny LSTM LM on a cyclic token stream: 3 train and 1 valid batches of 4×5 tokens. */
export async function tinyLm(options: Partial<LearnerOptions> & { dropout?: number } = {}) {
  const tokens = Int32Array.from({ length: 80 }, (_, i) => (i * 7) % 13);
  const dls = LMDataLoaders.fromTokens(tokens, { batchSize: 4, seqLen: 5, validPct: 0.25 });
  const model = new LstmLM({ vocabSize: 13, nHidden: 8, nLayers: 2, dropout: options.dropout ?? 0.3, seed: 1 });
  const learn = await Learner.create({ model, dls, backend: 'cpu', quiet: true, lr: 1e-2, ...options });
  return { learn, model, dls };
}

/** Sum of |h| + |c| over every layer of the state. */
export function stateMagnitude(state: readonly LstmState[] | null): number {
  if (!state) return Number.NaN;
  return tf.tidy(() => tf.addN(state.flatMap((s) => [tf.sum(tf.abs(s.h)), tf.sum(tf.abs(s.c))])).dataSync()[0]);
}

export const stateValues = (state: readonly LstmState[] | null): number[] => (state ?? []).flatMap((s) => [...s.h.dataSync(), ...s.c.dataSync()]);
