import type * as tf from '@tensorflow/tfjs';
import type { AsyncSeriesHook, SyncHook } from 'tapable';
import type { z } from 'zod';
import type { BatchEvent, FitEvent } from './events.ts';
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
  /**
   * State beyond the variables that an exact resume needs: an RNN's hidden state, the counter its dropout
   * seeds come from. Plain data (numbers, arrays, objects, typed arrays), as a plugin's `stateDict()`.
   */
  stateDict?(): unknown;
  /** Puts back what `stateDict()` returned; throws on a state it cannot take. */
  loadStateDict?(state: unknown): void;
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

type BatchHooks = { readonly [E in BatchEvent]: SyncHook<[LearnerView]> };
type FitHooks = { readonly [E in FitEvent]: AsyncSeriesHook<[LearnerView]> };
/** One tapable hook per event, plus `onError`. */
export type LearnerHooks = BatchHooks & FitHooks & { readonly onError: AsyncSeriesHook<[LearnerView, unknown]> };

/**
 * What a plugin does for the runtime and for other plugins, declared in its `roles`: they find it by capability,
 * never by name. `recorder`: keeps the history (`learn.recorder`); `lr-sweep`: runs an LR finder sweep
 * (`learn.sweeping`); `checkpoints`: writes the checkpoints a fit resumes from ({@link CheckpointProvider});
 * `scheduler`: sets hypers from schedules; `progress`: shows progress; `dashboard`: serves a live page.
 */
export type PluginRole = 'recorder' | 'lr-sweep' | 'checkpoints' | 'scheduler' | 'progress' | 'dashboard' | (string & {});

/** A plugin with the `checkpoints` role: where its checkpoints go, so a front-end can say how to resume. */
export interface CheckpointProvider {
  /** The checkpoint file it writes, relative to `learn.baseDir`. */
  readonly checkpointFile: string;
}

/**
 * The learner as plugins see it: fastai's Learner attributes, camelCased. Plugins may reassign the
 * mutable ones: a new `pred` in `afterPred` or a larger `lossGrad` in `afterLoss` changes what is
 * differentiated. Tensors a plugin puts here during a batch are disposed by the learner when the batch ends.
 */
export interface LearnerView {
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
  /** The first active plugin that declares `role` (see {@link PluginRole}). */
  pluginWithRole<P extends Plugin = Plugin>(role: PluginRole): P | undefined;
  /** The plugin with the `recorder` role, when present (it is by default). */
  readonly recorder: RecorderView | undefined;
  /**
   * An LR sweep is running (a plugin with the `lr-sweep` role is active): the fit is thrown away afterwards, so
   * trackers, checkpoints and reports leave it alone.
   */
  readonly sweeping: boolean;
  /** Where plugins print (the table, messages); a no-op in quiet mode. */
  log(message: string): void;
  /** Quiet mode (`Learner.create` option `quiet`): plugins draw no progress bars either. */
  readonly quiet?: boolean;
}

/** Options of one fit (fastai's `fit(…, cbs=…)` and tapfit's extras). */
export interface FitOptions {
  /** Weight decay for this fit (it stays set afterwards). */
  wd?: number;
  /** Plugins added for this fit only. */
  plugins?: readonly PluginRequest[];
  /** Continue from a checkpoint (a file, or a folder's `last.tapfit`) exactly where it stopped. */
  resume?: string;
  /** Fail with `E_LEAK`, naming the event that left tensors behind, if the tensor count grows from one epoch to the next. */
  checkLeaks?: boolean;
}

/** A learner that trains: what the fit variants (`fitOneCycle`, `lrFind`, …) build on. */
export interface Trainable extends LearnerView {
  /** Train `nEpoch` epochs at `lr` (one value, or one per parameter group; default `learn.lr`). */
  fit(nEpoch: number, lr?: number | readonly number[], options?: FitOptions): Promise<void>;
}

/** @deprecated The SDK's view of the learner is `LearnerView` (the runtime's class is `Learner`). */
export type Learner = LearnerView;

type BatchHandlers = { [E in BatchEvent]?: (learn: LearnerView) => void };
type FitHandlers = { [E in FitEvent]?: (learn: LearnerView) => void | Promise<void> };

/**
 * A plugin: a name, where it runs relative to others, and a method per event it handles
 * (webpack-style: nothing else). State lives on the plugin object.
 */
export interface Plugin extends BatchHandlers, FitHandlers {
  readonly name: string;
  /** Lower runs first among plugins not ordered by `runBefore`/`runAfter`; default 0 (fastai's `order`). */
  order?: number;
  /** Names of plugins this one must run before, on every event. Absent names are ignored. */
  runBefore?: readonly string[];
  /** Names of plugins this one must run after, on every event. Absent names are ignored. */
  runAfter?: readonly string[];
  /** fastai's `run_train`/`run_valid`: skip the inner-loop events of that phase. Default true. */
  runTrain?: boolean;
  runValid?: boolean;
  /** What this plugin does for others (`recorder`, `lr-sweep`, `checkpoints`, …): they find it by role, not name. */
  roles?: readonly PluginRole[];
  /** Free-form taps: called with the learner after the event methods are tapped (again whenever the plugin set changes). */
  apply?(learn: LearnerView): void;
  /** Release what the plugin holds (files, tensors) when training fails. */
  onError?(learn: LearnerView, error: unknown): void | Promise<void>;
  /** Release what outlives a fit (a server, open files); `learn.close()` calls it. */
  close?(): void | Promise<void>;
  /** State that must survive a checkpoint/resume. */
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}

/** A plugin module's default export may be a factory taking options. */
export interface PluginFactory<O = unknown> {
  (options?: O): Plugin;
  /** The name the produced plugin will have (for listings before it is built). */
  readonly pluginName?: string;
  /** Validates options before `create` runs; the error names the plugin and the option path. */
  readonly optionsSchema?: z.ZodType<O>;
  readonly description?: string;
}

/** How a plugin may be named in code or config: `'recorder'`, `['gradient-clip', { maxNorm: 1 }]`, `'./my.js'`, `'tapfit-plugin-x'`, an object or a factory. */
export type PluginSpec = string | readonly [string, unknown] | Plugin | PluginFactory;

/** A plugin asked for by what it does rather than by name: `{ role: 'progress' }`, `{ role: 'dashboard', options: { port: 0 } }`. */
export interface RoleRequest {
  role: PluginRole;
  options?: unknown;
}

/** A plugin as code, configs and front-ends ask for one: by name, path, package, object, factory, or role. */
export type PluginRequest = PluginSpec | RoleRequest;
