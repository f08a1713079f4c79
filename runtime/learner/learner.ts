import * as tf from '@tensorflow/tfjs';
import {
  CancelBackwardError,
  CancelBatchError,
  CancelEpochError,
  CancelFitError,
  CancelStepError,
  CancelTrainError,
  CancelValidateError,
  isBatchEvent,
  TapfitError,
  type Batch,
  type CancelError,
  type DataLoader,
  type DataLoaders,
  type EventName,
  type Learner as LearnerView,
  type LearnerHooks,
  type LoadOptions,
  type LossFunc,
  type Metric,
  type Module,
  type OptimizerLike,
  type Plugin,
  type Pred,
  type RecorderView,
  type SaveOptions,
} from '../../plugin-sdk/index.ts';
import { initBackend, type BackendName } from '../backend/index.ts';
import { resolveLoss, type LossSpec } from '../losses.ts';
import { resolveMetric, type MetricSpec } from '../metrics.ts';
import { toModule } from '../models/layers-module.ts';
import { resolveOptimizer, type OptimizerSpec } from '../optimizer/index.ts';
import { loadPlugins, type PluginSpec } from '../plugins/load-plugins.ts';
import { danglingReferences, resolveOrder, type DanglingReference } from '../plugins/resolve-order.ts';
import { checkOrderReferences } from './order-references.ts';
import { createHooks, keepDirectTapsAfterPlugins, untapOwner } from './hooks.ts';
import { explainHooks, tapPlugins } from './tap-plugins.ts';
import { guardLeaks, type LeakGuard } from './leak-guard.ts';
import { GradientBuffer } from './gradients.ts';
import * as fitVariants from '../fit/index.ts';
import * as inference from '../inference/index.ts';
import { loadCheckpoint, openFitSession, saveCheckpoint, type FitSession } from '../checkpoint/index.ts';

export interface LearnerOptions {
  model: Module | tf.LayersModel;
  dls: DataLoaders;
  /** A loss function or a built-in name; default `'cross-entropy'`. */
  lossFunc?: LossSpec;
  /** A preset (`'adam'`, the default), `{ steppers, hypers }`, or a factory `(paramGroups) => optimizer`. */
  optimizer?: OptimizerSpec;
  plugins?: readonly PluginSpec[];
  metrics?: readonly MetricSpec[];
  /** fastai's defaults: lr 1e-3, moms (0.95, 0.85, 0.95); `wd` overrides the optimizer's default. */
  lr?: number;
  wd?: number;
  moms?: [number, number, number];
  /** Parameter groups (fastai's splitter); default: `model.paramGroups()` or one group. */
  splitter?: (model: Module) => tf.Variable[][];
  /** Keep norm-layer parameters training when frozen (fastai's `train_bn`, default true). */
  trainBn?: boolean;
  /** Add the default plugins (`recorder`) before the given ones; default true. */
  defaultPlugins?: boolean;
  backend?: BackendName;
  /** Where relative plugin paths and package names are resolved from; default `process.cwd()`. */
  baseDir?: string;
  /** Where plugins print; default `console.log`, and nothing when `quiet`. */
  logger?: (message: string) => void;
  quiet?: boolean;
  /**
   * A `runBefore`/`runAfter` naming a plugin that is not loaded is an error (`E_PLUGIN_INVALID`) rather than a
   * warning; default false.
   */
  strict?: boolean;
}

export interface FitOptions {
  wd?: number;
  /** Plugins added for this fit only (fastai's `fit(cbs=…)`). */
  plugins?: readonly PluginSpec[];
  /** Continue from a checkpoint (a file, or a folder's `last.tapfit`) exactly where it stopped (runtime/checkpoint/). */
  resume?: string;
  /** Fail with `E_LEAK`, naming the event that left tensors behind, if the tensor count grows from one epoch to the next. */
  checkLeaks?: boolean;
}

/** How long the batch loop may run before it yields to the event loop. */
const YIELD_EVERY_MS = 100;

export const DEFAULT_PLUGINS: readonly PluginSpec[] = ['recorder'];

/** `[before, afterCancel, after]` of each level, spelled out once: no event names are built while training. */
const LEVEL_EVENTS = {
  fit: ['beforeFit', 'afterCancelFit', 'afterFit'],
  epoch: ['beforeEpoch', 'afterCancelEpoch', 'afterEpoch'],
  train: ['beforeTrain', 'afterCancelTrain', 'afterTrain'],
  validate: ['beforeValidate', 'afterCancelValidate', 'afterValidate'],
  batch: ['beforeBatch', 'afterCancelBatch', 'afterBatch'],
  backward: ['beforeBackward', 'afterCancelBackward', 'afterBackward'],
  step: ['beforeStep', 'afterCancelStep', 'afterStep'],
} as const;

type Level = 'fit' | 'epoch' | 'train' | 'validate';
type BatchLevel = 'batch' | 'backward' | 'step';
type CancelClass = new (message?: string) => CancelError;

/**
 * fastai's Learner over TensorFlow.js: the loop fires one hook per event, plugins do the rest.
 * Each level runs as `beforeX` → body → on its own Cancel error `afterCancelX` → `afterX` (`withEvents`).
 */
export class Learner implements LearnerView {
  readonly hooks: LearnerHooks = createHooks();
  model: Module;
  dls: DataLoaders;
  lossFunc: LossFunc;
  opt: OptimizerLike;
  metrics: Metric[];
  lr: number;
  moms: [number, number, number];
  backend = '';
  /** No bars, no table: `log` is a no-op. */
  readonly quiet: boolean;

  dl: DataLoader | null = null;
  xb: tf.Tensor[] = [];
  yb: tf.Tensor[] = [];
  pred: Pred | null = null;
  loss: tf.Scalar | null = null;
  lossGrad: tf.Scalar | null = null;
  grads: tf.NamedTensorMap | null = null;

  epoch = 0;
  nEpoch = 1;
  iter = 0;
  nIter = 0;
  training = false;
  pctTrain = 0;
  trainIter = 0;
  smoothLoss: number | null = null;

  private basePlugins: Plugin[] = [];
  private backendReported = false;
  private activePlugins: Plugin[] = [];
  /** Where relative paths (plugin specifiers, files named in plugin options) resolve from. */
  readonly baseDir: string;
  /** Order constraints naming absent plugins are errors (see `LearnerOptions.strict`). */
  readonly strict: boolean;
  private readonly logger: (message: string) => void;
  /** Tensors of the current batch that the learner must dispose when it ends. */
  private readonly batchTensors: tf.Tensor[] = [];

  private constructor(model: Module, dls: DataLoaders, lossFunc: LossFunc, opt: OptimizerLike, options: LearnerOptions) {
    this.model = model;
    this.dls = dls;
    this.lossFunc = lossFunc;
    this.opt = opt;
    this.metrics = (options.metrics ?? []).map(resolveMetric);
    this.lr = options.lr ?? 1e-3;
    this.moms = options.moms ?? [0.95, 0.85, 0.95];
    this.baseDir = options.baseDir ?? process.cwd();
    this.logger = options.quiet ? () => {} : (options.logger ?? ((m) => console.log(m)));
    this.quiet = options.quiet ?? false;
    this.strict = options.strict ?? false;
  }

  /** Builds a ready learner (backend, optimizer, plugins loaded and tapped) and fires `afterCreate`. */
  static async create(options: LearnerOptions): Promise<Learner> {
    const backend = await initBackend(options.backend ?? 'auto');
    const model = toModule(options.model);
    const groups = options.splitter?.(model) ?? model.paramGroups?.() ?? [model.parameters()];
    const hypers = { lr: options.lr ?? 1e-3, ...(options.wd === undefined ? {} : { wd: options.wd }) };
    const opt = await resolveOptimizer(options.optimizer ?? 'adam', groups, hypers, {
      noWeightDecay: model.noWeightDecay?.(),
      normParameters: model.normParameters?.(),
      trainBn: options.trainBn ?? true,
    });
    const learn = new Learner(model, options.dls, resolveLoss(options.lossFunc ?? 'cross-entropy'), opt, options);
    learn.backend = backend;
    const specs = [...(options.defaultPlugins === false ? [] : DEFAULT_PLUGINS), ...(options.plugins ?? [])];
    learn.basePlugins = await loadPlugins(specs, learn.baseDir);
    learn.usePlugins(learn.basePlugins);
    await learn.fire('afterCreate');
    return learn;
  }

  get plugins(): readonly Plugin[] {
    return this.activePlugins;
  }

  plugin<P extends Plugin = Plugin>(name: string): P | undefined {
    return this.activePlugins.find((p) => p.name === name) as P | undefined;
  }

  get recorder(): RecorderView | undefined {
    return this.plugin('recorder') as (Plugin & RecorderView) | undefined;
  }

  log(message: string): void {
    this.logger(message);
  }

  /** Add plugins for the rest of this learner's life (fastai's `add_cbs`). */
  async addPlugins(specs: readonly PluginSpec[]): Promise<void> {
    const plugins = [...this.basePlugins, ...(await loadPlugins(specs, this.baseDir))];
    this.usePlugins(plugins);
    this.basePlugins = plugins;
  }

  /** Remove a plugin by name (fastai's `remove_cb`). */
  removePlugin(name: string): void {
    this.basePlugins = this.basePlugins.filter((p) => p.name !== name);
    this.usePlugins(this.basePlugins);
  }

  /** For each event, the plugins (and direct taps) that run on it, in order. */
  explain(): { event: EventName; taps: string[] }[] {
    return explainHooks(this);
  }

  /** The active plugins' `runBefore`/`runAfter` entries that name no active plugin (ignored when ordering). */
  get danglingOrder(): DanglingReference[] {
    return danglingReferences(this.activePlugins);
  }

  /** Resolve the order of `plugins` and (re)tap them; taps made directly on `hooks` stay, after the plugins. */
  private usePlugins(plugins: readonly Plugin[]): void {
    // Resolve first: a bad set (a cycle, a duplicate name) must leave the current plugins tapped.
    const ordered = resolveOrder(plugins);
    checkOrderReferences(ordered, this.strict);
    for (const p of this.activePlugins) untapOwner(this.hooks, p);
    this.activePlugins = ordered;
    try {
      tapPlugins(this, ordered);
      keepDirectTapsAfterPlugins(this.hooks);
    } catch (error) {
      if (plugins !== this.basePlugins) this.usePlugins(this.basePlugins); // a plugin's `apply` threw
      throw error;
    }
  }

  /** Train for `nEpoch` epochs at `lr` (default `learn.lr`), fastai's `Learner.fit`. */
  async fit(nEpoch: number, lr?: number, options: FitOptions = {}): Promise<void> {
    const extra = options.plugins?.length ? await loadPlugins(options.plugins, this.baseDir) : [];
    if (extra.length) this.usePlugins([...this.basePlugins, ...extra]);
    let session: FitSession | undefined;
    let leaks: LeakGuard | undefined;
    try {
      if (options.wd !== undefined) this.opt.setHyper('wd', options.wd);
      this.opt.setHyper('lr', lr ?? this.lr);
      this.nEpoch = nEpoch;
      session = openFitSession(this, nEpoch, options);
      leaks = options.checkLeaks ? guardLeaks(this) : undefined;
      if (!this.backendReported) this.log(`tapfit: training on the "${this.backend}" backend`);
      this.backendReported = true;
      await this.withEvents('fit', () => this.doFit(session!.startEpoch), CancelFitError);
      leaks?.check();
      this.endCleanup();
    } catch (error) {
      this.disposeBatch();
      this.zeroGrad();
      await this.hooks.onError.promise(this, error);
      throw error;
    } finally {
      leaks?.dispose();
      session?.close();
      if (extra.length) this.usePlugins(this.basePlugins);
    }
  }

  // ── fit variants (fitOneCycle, fitFlatCos, fitSgdr, fineTune, lrFind): thin delegations to runtime/fit/ ──
  /** fastai's `fit_one_cycle` (runtime/fit/variants.ts). */
  fitOneCycle(nEpoch: number, lrMax?: fitVariants.LrSpec, options?: fitVariants.FitOneCycleOptions): Promise<void> {
    return fitVariants.fitOneCycle(this, nEpoch, lrMax, options);
  }
  /** fastai's `fit_flat_cos`. */
  fitFlatCos(nEpoch: number, lr?: fitVariants.LrSpec, options?: fitVariants.FitFlatCosOptions): Promise<void> {
    return fitVariants.fitFlatCos(this, nEpoch, lr, options);
  }
  /** fastai's `fit_sgdr`. */
  fitSgdr(nCycles: number, cycleLen: number, lrMax?: fitVariants.LrSpec, options?: fitVariants.FitSgdrOptions): Promise<void> {
    return fitVariants.fitSgdr(this, nCycles, cycleLen, lrMax, options);
  }
  /** fastai's `fine_tune`. */
  fineTune(epochs: number, baseLr?: number, options?: fitVariants.FineTuneOptions): Promise<void> {
    return fitVariants.fineTune(this, epochs, baseLr, options);
  }
  /** fastai's `lr_find`: suggestions `valley`, `minimum`, `steep`, `slide` (runtime/fit/lr-find.ts). */
  lrFind(options?: fitVariants.LrFindOptions): Promise<fitVariants.SuggestedLrs> {
    return fitVariants.lrFind(this, options);
  }

  // ── checkpoints (save, load, resume): thin delegations to runtime/checkpoint/ ──
  /** Writes weights, optimizer, plugin and data-loader state and the fit position atomically; returns the path. */
  async save(path: string, options?: SaveOptions): Promise<string> {
    return saveCheckpoint(this, path, options);
  }
  /** Restores a checkpoint; everything is validated first, and on any error the learner is left unchanged. */
  async load(path: string, options?: LoadOptions): Promise<void> {
    loadCheckpoint(this, path, options);
  }

  // ── inference (validate, getPreds, predict, showResults, export): thin delegations to runtime/inference/ ──
  /** fastai's `validate`: `[validLoss, ...metrics]` on `dl` (default the validation loader). */
  validate(options?: inference.ValidateOptions): Promise<number[]> {
    return inference.validate(this, options);
  }
  /** fastai's `get_preds`: `{ preds, targets, inputs?, losses?, decoded? }`, softmax for cross-entropy by default. */
  getPreds(options?: inference.GetPredsOptions): Promise<inference.Preds> {
    return inference.getPreds(this, options);
  }
  /** fastai's `predict`, for one item or a batch: `{ decoded, pred, probs }`. */
  predict(x: tf.Tensor | number[]): ReturnType<typeof inference.predict> {
    return inference.predict(this, x);
  }
  /** fastai's `show_results`: an image grid (inputs, predicted/actual labels) or a table, as SVG or PNG. */
  showResults(file: string, options?: inference.ShowResultsOptions): Promise<void> {
    return inference.showResults(this, file, options);
  }
  /** fastai's `export`: what inference needs, in a folder `loadLearner` reads (runtime/export/). */
  export(dir: string, options?: inference.ExportOptions): Promise<string> {
    return inference.exportLearner(this, dir, options);
  }

  /** One validation pass over `dl` with `plugins` added: only the validation events fire (runtime/inference/). */
  async validationPass(dl: DataLoader, plugins: readonly Plugin[]): Promise<void> {
    this.usePlugins([...this.basePlugins, ...plugins]);
    try {
      this.dl = dl;
      await this.withEvents('validate', () => this.allBatches(), CancelValidateError);
    } finally {
      this.disposeBatch();
      this.usePlugins(this.basePlugins);
    }
  }

  private async doFit(startEpoch = 0): Promise<void> {
    for (let epoch = startEpoch; epoch < this.nEpoch; epoch++) {
      this.epoch = epoch;
      await this.withEvents('epoch', () => this.doEpoch(), CancelEpochError);
    }
  }

  private async doEpoch(): Promise<void> {
    this.dl = this.dls.train;
    await this.withEvents('train', () => this.allBatches(), CancelTrainError);
    this.dl = this.dls.valid;
    await this.withEvents('validate', () => this.allBatches(), CancelValidateError);
  }

  private async allBatches(): Promise<void> {
    const dl = this.dl!;
    this.nIter = dl.length;
    let i = 0;
    let lastYield = performance.now();
    for (const batch of dl) {
      this.oneBatch(i++, batch);
      // The batch path is synchronous; yielding now and then lets signals (Ctrl-C) and timers in between batches.
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
  }

  private oneBatch(i: number, batch: Batch): void {
    this.iter = i;
    const nInp = this.dls.nInp ?? (batch.length === 1 ? 1 : batch.length - 1);
    this.xb = batch.slice(0, nInp);
    this.yb = batch.slice(nInp);
    this.batchTensors.push(...batch);
    try {
      this.withEventsSync('batch', this.batchBody, CancelBatchError);
    } finally {
      this.disposeBatch();
    }
  }

  // The batch path's callbacks, made once (not a closure per batch).
  private readonly batchBody = (): void => (this.training ? this.trainBatch() : this.validBatch());
  private readonly forwardBody = (): void => this.forward();
  private readonly stepBody = (): void => {
    if (this.grads) this.opt.step(this.grads);
  };
  /** What the recorded forward pass of the current batch left behind (see `recordedForward`). */
  private backwardCancelled = false;
  private backwardFailure: { error: unknown } | null = null;
  /** Reused each batch: the variables that get gradients. */
  private readonly trainableVars: tf.Variable[] = [];
  /** Owns `grads`, which live from batch to batch until `zeroGrad`. */
  private readonly gradBuffer = new GradientBuffer();

  private validBatch(): void {
    tf.tidy(this.forwardBody);
  }

  /** The closure tfjs records and differentiates: forward, then `beforeBackward`; errors are held (see `trainBatch`). */
  private readonly recordedForward = (): tf.Scalar => {
    try {
      this.forward();
    } catch (error) {
      this.backwardFailure = { error };
      return this.lossGrad ?? tf.scalar(0);
    }
    try {
      this.fire('beforeBackward');
    } catch (error) {
      if (error instanceof CancelBackwardError) this.backwardCancelled = true;
      else this.backwardFailure = { error };
    }
    return this.lossGrad!;
  };

  /**
   * tfjs records the forward pass and differentiates it in one synchronous call, so `beforeBackward`
   * fires at the end of the recorded closure (after `afterLoss`), and the backward level is closed once
   * the gradients exist. An error inside the closure is held until tfjs has finished its backward pass:
   * a closure that throws would leave the tape's saved tensors undisposed.
   */
  private trainBatch(): void {
    if (this.yb.length === 0) {
      tf.tidy(this.forwardBody);
      return;
    }
    this.backwardCancelled = false;
    this.backwardFailure = null;
    const vars = this.trainableVars;
    vars.length = 0;
    for (const group of this.opt.paramGroups) for (const v of group) if (v.trainable) vars.push(v);
    const { value, grads } = tf.engine().gradients(this.recordedForward, vars, undefined, true);
    this.batchTensors.push(value);
    const named: tf.NamedTensorMap = {};
    for (let i = 0; i < vars.length; i++) if (grads[i] != null) named[vars[i].name] = grads[i];
    // Set inside the recorded closure (TypeScript cannot see that, hence the widening casts).
    const failure = this.backwardFailure as { error: unknown } | null;
    const cancelled = this.backwardCancelled as boolean;
    if (failure || cancelled) for (const g of Object.values(named)) g.dispose();
    if (failure) throw failure.error;
    // fastai: gradients add up until zeroGrad; a cancelled backward steps on what is there (or zeros).
    if (cancelled) this.fire('afterCancelBackward');
    else this.grads = this.gradBuffer.accumulate(this.grads, named);
    this.grads ??= this.gradBuffer.zerosFor(vars);
    this.fire('afterBackward');
    this.withEventsSync('step', this.stepBody, CancelStepError);
    this.zeroGrad();
  }

  /** fastai's `zero_grad` (runtime/learner/gradients.ts): the accumulated `grads` are dropped. */
  zeroGrad(): void {
    this.grads = this.gradBuffer.zero(this.grads);
    this.opt.zeroGrad();
  }

  /** pred → `afterPred` → loss → `afterLoss`; what plugins put in `pred`/`loss`/`lossGrad` survives the tidy. */
  private forward(): void {
    try {
      this.pred = this.model.forward(this.xb, { training: this.training });
      this.holdPred();
      this.fire('afterPred');
      this.holdPred();
      if (this.yb.length === 0) return;
      this.loss = this.lossGrad = this.hold(this.lossOf(this.pred));
      this.fire('afterLoss');
    } finally {
      this.holdPred();
      if (this.loss) this.hold(this.loss);
      if (this.lossGrad) this.hold(this.lossGrad);
    }
  }

  /** `lossFunc(pred, ...yb)`; a failure on a multi-tensor `pred` says what is missing rather than a shape error. */
  private lossOf(pred: Pred): tf.Scalar {
    try {
      return this.lossFunc(pred as tf.Tensor, ...this.yb);
    } catch (error) {
      if (!Array.isArray(pred)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new TapfitError(
        'E_CONFIG',
        `the loss function failed on the prediction: the model returned ${pred.length} tensors, not one (${reason}); ` +
          `add a plugin that picks the prediction in afterPred (for an RNN's [logits, raw, outputs]: 'rnn-outputs')`,
        { cause: error },
      );
    }
  }

  private holdPred(): void {
    const pred = this.pred;
    if (Array.isArray(pred)) pred.forEach((t) => this.hold(t));
    else if (pred) this.hold(pred);
  }

  private hold<T extends tf.Tensor>(t: T): T {
    if (!t.isDisposed && !this.batchTensors.includes(t)) this.batchTensors.push(tf.keep(t));
    return t;
  }

  private disposeBatch(): void {
    for (const t of this.batchTensors) t.dispose();
    // `grads` outlive the batch (until zeroGrad); gradients a plugin replaced in them are disposed now.
    this.gradBuffer.settle(this.grads);
    this.batchTensors.length = 0;
    this.pred = this.loss = this.lossGrad = null;
    this.xb = this.yb = [];
  }

  private endCleanup(): void {
    this.dl = null;
    this.disposeBatch();
    this.zeroGrad();
  }

  /** fastai's `_with_events`: `before` → body → (own cancel → `afterCancel`) → `after`, not in a finally. */
  private async withEvents(level: Level, body: () => Promise<void>, Cancel: CancelClass): Promise<void> {
    const [before, afterCancel, after] = LEVEL_EVENTS[level];
    try {
      await this.fire(before);
      await body();
    } catch (error) {
      if (!(error instanceof Cancel)) throw error;
      await this.fire(afterCancel);
    }
    await this.fire(after);
  }

  private withEventsSync(level: BatchLevel, body: () => void, Cancel: CancelClass): void {
    const [before, afterCancel, after] = LEVEL_EVENTS[level];
    try {
      this.fire(before);
      body();
    } catch (error) {
      if (!(error instanceof Cancel)) throw error;
      this.fire(afterCancel);
    }
    this.fire(after);
  }

  /** Dispatch one event: the learner's own bookkeeping (fastai's TrainEvalCallback) first, then the hook. */
  fire(event: 'beforeBatch' | 'afterPred' | 'afterLoss' | 'beforeBackward' | 'afterBackward' | 'beforeStep' | 'afterStep' | 'afterBatch' | 'afterCancelBatch' | 'afterCancelBackward' | 'afterCancelStep'): void;
  fire(event: EventName): Promise<void> | void;
  fire(event: EventName): Promise<void> | void {
    this.trainEval[event]?.();
    return isBatchEvent(event) ? this.hooks[event].call(this) : this.hooks[event].promise(this);
  }

  private readonly trainEval: Partial<Record<EventName, () => void>> = {
    beforeFit: () => {
      this.epoch = 0;
      this.trainIter = 0;
      this.pctTrain = 0;
      this.smoothLoss = null;
      this.model.reset?.();
    },
    beforeTrain: () => {
      this.pctTrain = this.epoch / this.nEpoch;
      this.training = true;
    },
    beforeValidate: () => {
      this.training = false;
    },
    afterBatch: () => {
      if (!this.training) return;
      this.trainIter += 1;
      this.pctTrain += 1 / (this.nIter * this.nEpoch);
    },
  };
}
