import { z } from 'zod';
import type * as tf from '@tensorflow/tfjs';
import type { DataLoaders, Module, RoleRequest } from '../../plugin-sdk/index.ts';
import type { FactoryContext } from './schema.ts';

const posInt = z.number().int().positive();
const unit = z.number().min(0).max(1);

/** A built-in model or data source, by the name configs use. Modules are imported only when used. */
export interface BuiltinDef<T> {
  readonly description: string;
  /** Validates the options given as `[name, options]`; messages name the key path. */
  readonly options: z.ZodType<Record<string, unknown>>;
  readonly create: (options: Record<string, unknown>, ctx: T) => Promise<unknown>;
}

/** What a model factory gets besides its options: the data it will train on (an LM needs the vocab size). */
export interface ModelContext extends FactoryContext {
  dls: DataLoaders & { vocab?: readonly string[] };
}

/** What a built-in model needs besides itself: plugins to add and the loss/metrics that suit it. */
export interface ModelNeeds {
  plugins?: readonly RoleRequest[];
  loss?: string;
  metrics?: readonly string[];
}

export const BUILTIN_DATA: Readonly<Record<string, BuiltinDef<FactoryContext>>> = {
  mnist: {
    description: 'real MNIST digits from the mnist package: x (n, 28, 28, 1) in [0, 1], y int32 labels',
    options: z.strictObject({ nTrain: posInt.optional(), nValid: posInt.optional(), batchSize: posInt.optional() }),
    create: async (options, ctx) => {
      const { mnist } = await import('../data/mnist.ts');
      return mnist({ seed: ctx.seed, ...options });
    },
  },
  'human-numbers': {
    description: "fastai's human numbers corpus (1..upTo in words) as language-model batches",
    options: z.strictObject({
      upTo: posInt.min(2).optional(),
      batchSize: posInt.optional(),
      seqLen: posInt.optional(),
      validPct: z.number().gt(0).lt(1).optional(),
    }),
    create: async (options, _ctx) => {
      const { humanNumbers } = await import('../data/human-numbers.ts');
      const { LMDataLoaders } = await import('../data/lm.ts');
      const { upTo, ...loader } = options as { upTo?: number; batchSize?: number; seqLen?: number; validPct?: number };
      const corpus = humanNumbers({ upTo });
      return Object.assign(LMDataLoaders.fromTokens(corpus.tokens, loader), { vocab: corpus.vocab });
    },
  },
};

export const BUILTIN_MODELS: Readonly<Record<string, BuiltinDef<ModelContext> & { needs?: ModelNeeds }>> = {
  'mnist-mlp': {
    description: 'a two-layer perceptron for 28×28×1 digits (logits over 10 classes)',
    options: z.strictObject({ hidden: posInt.optional() }),
    create: async (options, ctx) => {
      const { mnistMlp } = await import('../models/mnist.ts');
      return mnistMlp({ seed: ctx.seed, ...options });
    },
  },
  'mnist-cnn': {
    description: 'a small CNN for 28×28×1 digits: two strided convs, then a dense classifier',
    options: z.strictObject({}),
    create: async (_options, ctx) => {
      const { mnistCnn } = await import('../models/mnist.ts');
      return mnistCnn({ seed: ctx.seed });
    },
  },
  'lstm-lm': {
    description: "a stateful LSTM language model (the book's LMModel6/7); vocabSize comes from the data",
    options: z.strictObject({
      nHidden: posInt.optional(),
      embSize: posInt.optional(),
      nLayers: posInt.optional(),
      dropout: unit.optional(),
      tieWeights: z.boolean().optional(),
      forgetBias: z.number().optional(),
    }),
    create: async (options, ctx) => {
      const vocabSize = ctx.dls.vocab?.length;
      if (!vocabSize) throw new Error('lstm-lm needs data with a vocabulary (e.g. "human-numbers")');
      const { LstmLM } = await import('../models/lstm-lm.ts');
      return new LstmLM({ vocabSize, seed: ctx.seed, ...options });
    },
    // The model returns [logits, raw, outputs] and carries hidden state: fastai's LM learner adds these.
    needs: { plugins: [{ role: 'state-reset' }, { role: 'rnn-outputs' }], loss: 'cross-entropy', metrics: ['accuracy'] },
  },
};

export type ModelValue = Module | tf.LayersModel;
