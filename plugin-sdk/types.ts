import type * as tf from '@tensorflow/tfjs';
import type { AsyncSeriesHook, SyncHook } from 'tapable';
import type { BatchEvent, FitEvent } from './events.ts';
import type { Plugin } from './plugin.ts';
import type { OptimizerLike } from './optimizer.ts';
import type { RecorderView } from './recorder.ts';

/** What a model returns: one tensor, or several (e.g. an RNN's `[logits, rawOutputs, outputs]`). */
export type Pred = tf.Tensor | tf.Tensor[];

/**
 * A trainable model. `tf.LayersModel` is adapted to this by the runtime; anything else (a model written
 * with tfjs ops) implements it directly.
 */
export interface Module {
  /** The forward pass. Called inside the learner's gradient closure, so it must be synchronous. */
  forward(inputs: tf.Tensor[], opts: { training: boolean }): Pred;
  /** Trainable variables, in a stable order (checkpoints and optimizer state are positional). */
  parameters(): tf.Variable[];
  /** Non-trainable state that a checkpoint must also hold (batch-norm statistics, …). */
  buffers?(): tf.Variable[];
  /** Parameter groups for discriminative learning rates / freezing (fastai's splitter). */
  paramGroups?(): tf.Variable[][];
  /** Parameters that get no weight decay and keep training when frozen (norm layers, fastai's `train_bn`). */
  normParameters?(): tf.Variable[];
  /** Parameters that get no weight decay (biases and norm layers, fastai's `wd_bn_bias=False`). */
  noWeightDecay?(): tf.Variable[];
  /** Stateful models (RNNs) clear their hidden state here. */
  reset?(): void;
  dispose?(): void;
}

/** One batch: `nInp` input tensors followed by the targets. */
export type Batch = tf.Tensor[];

/** A source of batches. Each iteration creates fresh tensors, which the learner disposes after the batch. */
export interface DataLoader extends Iterable<Batch> {
  /** Number of batches per pass. */
  readonly length: number;
  readonly batchSize: number;
  /** Shuffle/RNG state, so a resumed run draws the same batches. */
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}

export interface DataLoaders {
  train: DataLoader;
  valid: DataLoader;
  /** How many leading tensors of a batch are inputs (fastai's `n_inp`); default: all but the last. */
  nInp?: number;
}

export type LossFunc = (pred: tf.Tensor, ...targets: tf.Tensor[]) => tf.Scalar;

/** A metric: averaged over the validation set, weighted by batch size (fastai's `AvgMetric`). */
export interface Metric {
  name: string;
  fn: (pred: tf.Tensor, ...targets: tf.Tensor[]) => tf.Scalar | number;
  /** Applied to the weighted mean at the end of the phase (perplexity: `Math.exp` of the mean cross-entropy). */
  finalize?: (mean: number) => number;
}

type BatchHooks = { readonly [E in BatchEvent]: SyncHook<[Learner]> };
type FitHooks = { readonly [E in FitEvent]: AsyncSeriesHook<[Learner]> };
/** One tapable hook per event, plus `onError`. */
export type LearnerHooks = BatchHooks & FitHooks & { readonly onError: AsyncSeriesHook<[Learner, unknown]> };

/**
 * The learner as plugins see it: fastai's Learner attributes, camelCased. Plugins may reassign the
 * mutable ones: a new `pred` in `afterPred` or a larger `lossGrad` in `afterLoss` changes what is
 * differentiated. Tensors a plugin puts here during a batch are disposed by the learner when the batch ends.
 */
export interface Learner {
  readonly hooks: LearnerHooks;
  model: Module;
  dls: DataLoaders;
  lossFunc: LossFunc;
  readonly opt: OptimizerLike;
  metrics: Metric[];
  /** The resolved plugins, in the order they are tapped. */
  readonly plugins: readonly Plugin[];
  /** Where relative paths in plugin options resolve from: the config's folder under the CLI, else the working folder. */
  readonly baseDir: string;
  /** The backend training runs on (`wasm`, `cpu`, `tensorflow`, …). */
  readonly backend: string;
  /** Default learning rate (fastai's `learn.lr`, 1e-3). */
  lr: number;
  /** Default momentums for one-cycle (fastai's `moms`). */
  moms: [number, number, number];

  dl: DataLoader | null;
  xb: tf.Tensor[];
  yb: tf.Tensor[];
  pred: Pred | null;
  /** The loss as computed by `lossFunc`; plugins changing `lossGrad` later do not change it. */
  loss: tf.Scalar | null;
  /** The loss that is differentiated. */
  lossGrad: tf.Scalar | null;
  /**
   * Gradients keyed by variable name, set after backward: as in fastai they add up over batches until
   * `zeroGrad` runs after the step, so a `CancelBatchError` in `beforeStep` accumulates them.
   */
  grads: tf.NamedTensorMap | null;

  epoch: number;
  nEpoch: number;
  iter: number;
  nIter: number;
  training: boolean;
  pctTrain: number;
  trainIter: number;
  /** Set by the recorder after each training batch. */
  smoothLoss: number | null;

  /** The plugin with that name, if loaded. */
  plugin<P extends Plugin = Plugin>(name: string): P | undefined;
  /** The recorder plugin, when present (it is by default). */
  readonly recorder: RecorderView | undefined;
  /** Where plugins print (the table, messages); a no-op in quiet mode. */
  log(message: string): void;
  /** Quiet mode (Learner option `quiet`): plugins draw no progress bars either. */
  readonly quiet?: boolean;
}
