import { humanNumbers, Learner, LMDataLoaders, LstmLM, type BackendName, type PluginSpec } from 'tapfit';

export interface HumanNumbersSetup {
  /** Numbers 1..upTo make the corpus (default 9999, the book's). */
  upTo?: number;
  batchSize?: number;
  seqLen?: number;
  nHidden?: number;
  nLayers?: number;
  dropout?: number;
  /** AR / TAR weights of the `rnn-regularizer`. */
  alpha?: number;
  beta?: number;
  maxNorm?: number;
  wd?: number;
  seed?: number;
  backend?: BackendName;
  quiet?: boolean;
  plugins?: readonly PluginSpec[];
}

/**
 * The book's chapter-12 language model on human numbers (`LMModel7`: a 2-layer LSTM with dropout, tied
 * weights, AR/TAR), as a tapfit learner: `model-resetter`, `rnn-outputs`, `rnn-regularizer` and `gradient-clip`.
 */
export async function humanNumbersLearner(o: HumanNumbersSetup = {}) {
  const corpus = humanNumbers({ upTo: o.upTo ?? 9999 });
  const dls = LMDataLoaders.fromTokens(corpus.tokens, { batchSize: o.batchSize ?? 64, seqLen: o.seqLen ?? 16, validPct: 0.2 });
  const model = new LstmLM({ vocabSize: corpus.vocab.length, nHidden: o.nHidden ?? 64, nLayers: o.nLayers ?? 2, dropout: o.dropout ?? 0.5, seed: o.seed ?? 0 });
  const learn = await Learner.create({
    model,
    dls,
    lossFunc: 'cross-entropy',
    optimizer: 'adam',
    metrics: ['accuracy', 'perplexity'],
    wd: o.wd ?? 0.1,
    plugins: [
      'model-resetter',
      'rnn-outputs',
      ['rnn-regularizer', { alpha: o.alpha ?? 2, beta: o.beta ?? 1 }],
      ['gradient-clip', { maxNorm: o.maxNorm ?? 1 }],
      ...(o.plugins ?? []),
    ],
    backend: o.backend ?? 'wasm',
    quiet: o.quiet,
  });
  return { learn, model, dls, corpus };
}

/** Share of the validation targets equal to the most common one: what "always predict it" scores. */
export function majorityBaseline(targets: Int32Array): number {
  const counts = new Map<number, number>();
  for (const t of targets) counts.set(t, (counts.get(t) ?? 0) + 1);
  return Math.max(...counts.values()) / targets.length;
}
