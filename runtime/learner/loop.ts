import * as tf from '@tensorflow/tfjs';
import {
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
  type FitOptions,
  type LearnerHooks,
  type LossFunc,
  type Metric,
  type Module,
  type OptimizerLike,
  type Plugin,
  type PluginRole,
  type Pred,
  type RecorderView,
  type Trainable,
} from '../../plugin-sdk/index.ts';
import { openFitSession, type FitSession } from '../checkpoint/index.ts';
import { HookSet } from '../hooks/hook-set.ts';
import { ActivePlugins } from '../plugin-host/active-plugins.ts';
import { loadRequest } from '../plugin-host/plugin-set.ts';
import { LabelCheck } from '../data/check-labels.ts';
import { BatchTensors } from './batch-tensors.ts';
import { GradientBuffer } from './gradients.ts';
import { checkFitArgs } from './check-learner.ts';
import { guardLeaks, type LeakGuard } from './leak-guard.ts';
import type { LearnerOptions, LearnerParts } from './parts.ts';


/** How long the batch loop may run before it yields to the event loop. */
const YIELD_EVERY_MS = 100;

/** `[before, afterCancel, after]` of each level, spelled out once: no event names are built while training. */
const LEVEL_EVENTS = {
  fit: ['beforeFit', 'afterCancelFit', 'afterFit'],
  epoch: ['beforeEpoch', 'afterCancelEpoch', 'afterEpoch'],
  train: ['beforeTrain', 'afterCancelTrain', 'afterTrain'],
  validate: ['beforeValidate', 'afterCancelValidate', 'afterValidate'],
  batch: ['beforeBatch', 'afterCancelBatch', 'afterBatch'],
  step: ['beforeStep', 'afterCancelStep', 'afterStep'],
} as const;
type Level = 'fit' | 'epoch' | 'train' | 'validate';
type CancelClass = new (message?: string) => CancelError;

/**
 * fastai's training loop over TensorFlow.js: the learner's state, and one short method per level — `fit` →
 * `doFit` → `doEpoch` → `allBatches` → `oneBatch` → `trainBatch`/`validBatch` — each run through `withEvents`:
 * `beforeX` → body → on its own Cancel error `afterCancelX` → `afterX` (fastai's `_with_events`). A batch's tensors
 * live in `BatchTensors`, its gradients in `GradientBuffer`; `Learner` adds creation, plugins and the fit variants.
 */
export abstract class LearnerLoop implements Trainable {
  protected readonly hookSet = new HookSet();
  readonly hooks: LearnerHooks = this.hookSet.hooks;
  model: Module;
  dls: DataLoaders;
  lossFunc: LossFunc;
  opt: OptimizerLike;
  metrics: Metric[];
  lr: number;
  moms: [number, number, number];
  readonly backend: string;
  /** No bars, no table: `log` is a no-op. */
  readonly quiet: boolean;
  /** Where relative paths (plugin specifiers, files named in plugin options) resolve from. */
  readonly baseDir: string;
  /** Order constraints naming absent plugins are errors (see `LearnerOptions.strict`). */
  readonly strict: boolean;

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

  protected readonly active: ActivePlugins;
  private readonly tensors = new BatchTensors();
  /** Owns `grads`, which live from batch to batch until `zeroGrad` (fastai's gradient lifetime). */
  private readonly gradBuffer = new GradientBuffer();
  /** Labels are checked against the model's classes on the first batch of each phase of a fit. */
  private readonly labelCheck = new LabelCheck();
  private readonly logger: (message: string) => void;
  private backendReported = false;

  protected constructor(parts: LearnerParts, options: LearnerOptions) {
    ({ model: this.model, dls: this.dls, lossFunc: this.lossFunc, opt: this.opt, metrics: this.metrics } = parts);
    this.backend = parts.backend;
    this.baseDir = parts.baseDir;
    this.lr = options.lr ?? 1e-3;
    this.moms = options.moms ?? [0.95, 0.85, 0.95];
    this.quiet = options.quiet ?? false;
    this.strict = options.strict ?? false;
    this.logger = options.quiet ? () => {} : (options.logger ?? ((m) => console.log(m)));
    this.active = new ActivePlugins(this, this.hookSet, this.strict);
  }

  // ── plugins: held by ActivePlugins; found by name, or by role (the runtime only ever asks roles) ──
  get plugins(): readonly Plugin[] {
    return this.active.list;
  }
  plugin<P extends Plugin = Plugin>(name: string): P | undefined {
    return this.active.named<P>(name);
  }
  pluginWithRole<P extends Plugin = Plugin>(role: PluginRole): P | undefined {
    return this.active.withRole<P>(role);
  }
  get recorder(): RecorderView | undefined {
    return this.pluginWithRole<Plugin & RecorderView>('recorder');
  }
  get sweeping(): boolean {
    return this.pluginWithRole('lr-sweep') !== undefined;
  }
  log(message: string): void {
    this.logger(message);
  }

  /** One validation pass over `dl` with `plugins` added: only the validation events fire (runtime/inference/). */
  async validationPass(dl: DataLoader, plugins: readonly Plugin[]): Promise<void> {
    this.active.beginFit(plugins);
    try {
      this.dl = dl;
      await this.withEvents('validate', () => this.allBatches(), CancelValidateError);
    } finally {
      this.releaseBatch();
      this.active.endFit();
    }
  }

  // ── the loop ──
  /** Train for `nEpoch` epochs at `lr` (default `learn.lr`), fastai's `Learner.fit`. */
  async fit(nEpoch: number, lr?: number | readonly number[], options: FitOptions = {}): Promise<void> {
    checkFitArgs(this, nEpoch, lr, options.wd);
    this.labelCheck.reset();
    const extra = await Promise.all((options.plugins ?? []).map((r) => loadRequest(r, this.baseDir)));
    this.active.beginFit(extra);
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
      this.dl = null;
      this.releaseBatch();
      this.zeroGrad();
    } catch (error) {
      this.releaseBatch();
      this.zeroGrad();
      await this.hooks.onError.promise(this, error);
      throw error;
    } finally {
      leaks?.dispose();
      session?.close();
      this.active.endFit();
    }
  }

  private async doFit(startEpoch: number): Promise<void> {
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
    this.tensors.holdAll(batch);
    try {
      this.withEventsSync('batch', this.batchBody, CancelBatchError);
    } finally {
      this.releaseBatch();
    }
  }

  /** The batch's tensors go; `grads` stay (until `zeroGrad`), less any a plugin replaced in them. */
  private releaseBatch(): void {
    this.tensors.release(this);
    this.gradBuffer.settle(this.grads);
  }

  // The batch path's callbacks, made once (not a closure per batch).
  private readonly batchBody = (): void => (this.training ? this.trainBatch() : this.validBatch());
  private readonly forwardBody = (): void => this.forward();
  private readonly beforeBackward = (): void => this.fire('beforeBackward');
  private readonly stepBody = (): void => {
    if (this.grads) this.opt.step(this.grads);
  };

  private validBatch(): void {
    tf.tidy(this.forwardBody);
  }

  /** fastai's `_do_one_batch` with the backward inside tfjs's recorded call: forward → backward → step → zero grad. */
  private trainBatch(): void {
    if (this.yb.length === 0) {
      tf.tidy(this.forwardBody);
      return;
    }
    const { grads, vars, cancelled } = this.tensors.differentiate(this, this.opt.paramGroups, this.forwardBody, this.beforeBackward);
    // fastai: gradients add up until zeroGrad; a cancelled backward steps on what is there (or zeros).
    if (cancelled) this.fire('afterCancelBackward');
    else this.grads = this.gradBuffer.accumulate(this.grads, grads);
    this.grads ??= this.gradBuffer.zerosFor(vars);
    this.fire('afterBackward');
    this.withEventsSync('step', this.stepBody, CancelStepError);
    this.zeroGrad();
  }

  /** fastai's `zero_grad`: the accumulated `grads` are dropped. A `CancelBatchError` before it keeps them. */
  zeroGrad(): void {
    this.grads = this.gradBuffer.zero(this.grads);
    this.opt.zeroGrad();
  }

  /** pred → `afterPred` → loss → `afterLoss`; what plugins put in `pred`/`loss`/`lossGrad` survives the tidy. */
  private forward(): void {
    try {
      this.pred = this.model.forward(this.xb, { training: this.training });
      this.tensors.holdForward(this);
      this.fire('afterPred');
      this.tensors.holdForward(this);
      if (this.yb.length === 0) return;
      this.labelCheck.check(this, this.lossFunc, this.pred, this.yb);
      this.loss = this.lossGrad = this.tensors.hold(this.lossOf(this.pred));
      this.fire('afterLoss');
    } finally {
      this.tensors.holdForward(this);
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
          `add a plugin that picks the prediction in afterPred (for an RNN's [logits, raw, outputs]: the rnn-outputs role)`,
        { cause: error },
      );
    }
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

  private withEventsSync(level: 'batch' | 'step', body: () => void, Cancel: CancelClass): void {
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
