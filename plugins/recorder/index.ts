import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  definePlugin,
  definePluginFactory,
  interpLogX,
  metricColumn,
  writeChart,
  type LearnerView,
  type LrPoint,
  type Plugin,
  type RecorderView,
} from '../../plugin-sdk/index.ts';
import { SmoothLoss, WeightedMeans } from './averages.ts';
import { lossChart, lrFindChart, schedChart } from '../../plugin-sdk/run-charts.ts';

/** Backends where a GPU→CPU read stalls the pipeline: there the batch losses are read in groups. */
// Backends whose reads are device→host syncs. `tensorflow` is tfjs-node(-gpu): on a GPU a per-batch read stalls
// the pipeline, and on its CPU build a batched read costs no more than one read per batch.
const DEFERRED_READ_BACKENDS = new Set(['webgl', 'webgpu', 'tensorflow']);

type Cell = number | null;

/** What `stateDict()` holds: every series, so a resumed run continues them. */
export interface RecorderState {
  metricNames: string[];
  losses: number[];
  hps: Record<string, number[]>;
  values: Cell[][];
  iters: number[];
  notes: string[];
  log: (number | string | null)[];
  smooth: { count: number; val: number };
  trainBatches: number;
}

const options = z.object({
  /** Add the epoch's wall time (`mm:ss`) as the last column. */
  addTime: z.boolean().default(true),
  /** Also compute the metrics on training batches (`train_<metric>` columns). */
  trainMetrics: z.boolean().default(false),
  /** Compute the validation loss and metrics. */
  validMetrics: z.boolean().default(true),
  /** Smoothing of the training loss. */
  beta: z.number().min(0).lt(1).default(0.98),
  /**
   * Read the training losses from the device every this many batches (one read for the group).
   * Default: every batch on cpu/wasm, every 32 on webgl/webgpu/tensorflow. Reading any series forces a read.
   */
  readEvery: z.number().int().positive().optional(),
});

export type RecorderOptions = z.input<typeof options>;

/**
 * fastai's Recorder (on by default): the smoothed training loss of every batch (β 0.98, debiased), every
 * hyper-parameter of the last group per batch, and per epoch `[train_loss, valid_loss, ...metrics]` and the
 * time. Validation loss and metrics are means over the validation set weighted by batch size. It is
 * `learn.recorder`, and draws charts:
 *
 * ```ts
 * const learn = await Learner.create({ model, dls, metrics: ['accuracy'] }); // recorder included
 * await learn.fitOneCycle(3, 1e-2);
 * console.log(learn.recorder!.values.at(-1));
 * await learn.recorder!.plotLoss('loss.png'); // or .svg
 * ```
 */
export default definePluginFactory({
  name: 'recorder',
  options,
  description: 'records losses, metrics, hyper-parameters and times; draws loss, schedule and LR-finder charts',
  create: (o) => new Recorder(o),
});

export class Recorder implements Plugin, RecorderView {
  readonly name = 'recorder';
  readonly roles = ['recorder'] as const;
  readonly order = 50;

  metricNames: string[] = [];
  hps: Record<string, number[]> = {};
  values: Cell[][] = [];
  iters: number[] = [];
  notes: string[] = [];
  log: (number | string | null)[] = [];

  private readonly smooth: SmoothLoss;
  private interval = 1;
  private readonly seenLosses: number[] = [];
  /** Training losses of the last batches, still on the device. */
  private pending: tf.Tensor[] = [];
  private trainBatches = 0;
  private learn: LearnerView | null = null;
  private trainMeans: WeightedMeans | null = null;
  private validMeans: WeightedMeans | null = null;
  private trainCells: Cell[] | null = null;
  private validCells: Cell[] | null = null;
  private cancelTrain = false;
  private cancelValid = false;
  private epochStart = 0;
  private resumed = false;

  constructor(private readonly opts: z.output<typeof options>) {
    this.smooth = new SmoothLoss(opts.beta);
  }

  get losses(): readonly number[] {
    this.readPending();
    return this.seenLosses;
  }

  get smoothLoss(): number | null {
    this.readPending();
    return this.smooth.value;
  }

  get lrs(): readonly number[] {
    return this.hps.lr ?? [];
  }

  get finalRecord(): readonly Cell[] | null {
    const last = this.values.at(-1);
    return last ? last.slice(this.nTrainCells) : null;
  }

  addNote(note: string): void {
    this.notes.push(note);
  }

  private get nMetrics(): number {
    return this.learn?.metrics.length ?? 0;
  }

  private get nTrainCells(): number {
    return 1 + (this.opts.trainMetrics ? this.nMetrics : 0);
  }

  private get nValidCells(): number {
    return this.opts.validMetrics ? 1 + this.nMetrics : 0;
  }

  beforeFit(learn: LearnerView): void {
    this.learn = learn;
    this.interval = this.opts.readEvery ?? (DEFERRED_READ_BACKENDS.has(learn.backend) ? 32 : 1);
    this.metricNames = metricNames(learn.metrics.map((m) => m.name), this.opts);
    if (this.resumed) {
      // A resumed run continues every series, the smoothing included.
      this.resumed = false;
      learn.smoothLoss = this.smooth.value;
      return;
    }
    this.hps = {};
    this.values = [];
    this.iters = [];
    this.notes = [];
    this.log = [];
    this.seenLosses.length = 0;
    this.trainBatches = 0;
    this.smooth.reset();
  }

  beforeEpoch(learn: LearnerView): void {
    this.cancelTrain = this.cancelValid = false;
    this.epochStart = performance.now();
    this.log = [learn.epoch];
  }

  beforeTrain(learn: LearnerView): void {
    this.trainMeans?.dispose();
    this.trainMeans = this.opts.trainMetrics ? new WeightedMeans(false, learn.metrics) : null;
  }

  beforeValidate(learn: LearnerView): void {
    this.validMeans?.dispose();
    this.validMeans = this.opts.validMetrics ? new WeightedMeans(true, learn.metrics) : null;
  }

  afterBatch(learn: LearnerView): void {
    if (learn.yb.length === 0 || !learn.loss) return;
    const pred = Array.isArray(learn.pred) ? learn.pred[0] : learn.pred;
    if (!learn.training) {
      if (pred) this.validMeans?.add(learn.loss, pred, learn.yb);
      return;
    }
    if (pred) this.trainMeans?.add(null, pred, learn.yb);
    this.recordHypers(learn.opt.hypers.at(-1) ?? {});
    this.pending.push(tf.keep(learn.loss.clone()));
    this.trainBatches += 1;
    if (this.pending.length >= this.interval) this.readPending();
  }

  afterCancelTrain(): void {
    this.cancelTrain = true;
  }

  afterTrain(): void {
    this.readPending();
    const metrics = this.trainMeans?.read() ?? [];
    this.trainCells = this.cancelTrain ? nulls(this.nTrainCells) : [this.smooth.value, ...metrics];
    this.trainMeans?.dispose();
    this.trainMeans = null;
  }

  afterCancelValidate(): void {
    this.cancelValid = true;
  }

  afterValidate(): void {
    const read = this.validMeans?.read() ?? [];
    this.validCells = this.cancelValid ? nulls(this.nValidCells) : read;
    this.validMeans?.dispose();
    this.validMeans = null;
  }

  afterEpoch(): void {
    const record = [...(this.trainCells ?? nulls(this.nTrainCells)), ...(this.validCells ?? nulls(this.nValidCells))];
    this.trainCells = this.validCells = null;
    this.values.push(record);
    this.log = [this.log[0] ?? this.learn?.epoch ?? this.values.length - 1, ...record];
    if (this.opts.addTime) this.log.push(formatTime((performance.now() - this.epochStart) / 1000));
    this.iters.push(this.trainBatches);
  }

  afterFit(): void {
    this.readPending();
  }

  onError(): void {
    this.dropTensors();
  }

  stateDict(): RecorderState {
    this.readPending();
    const copy = <T>(x: T): T => structuredClone(x);
    return {
      metricNames: [...this.metricNames],
      losses: [...this.seenLosses],
      hps: copy(this.hps),
      values: copy(this.values),
      iters: [...this.iters],
      notes: [...this.notes],
      log: [...this.log],
      smooth: { count: this.smooth.count, val: this.smooth.val },
      trainBatches: this.trainBatches,
    };
  }

  loadStateDict(state: unknown): void {
    const s = state as RecorderState;
    this.metricNames = [...s.metricNames];
    this.seenLosses.splice(0, this.seenLosses.length, ...s.losses);
    this.hps = structuredClone(s.hps);
    this.values = structuredClone(s.values);
    this.iters = [...s.iters];
    this.notes = [...s.notes];
    this.log = [...s.log];
    this.smooth.count = s.smooth.count;
    this.smooth.val = s.smooth.val;
    this.trainBatches = s.trainBatches;
    this.resumed = true;
  }

  async plotLoss(file: string, { skipStart = 5, withValid = true }: { skipStart?: number; withValid?: boolean } = {}): Promise<void> {
    const train = this.losses.slice(skipStart).map((loss, i) => ({ iteration: i + skipStart, loss }));
    const column = metricColumn(this.metricNames, 'valid_loss');
    const valid =
      withValid && column >= 0
        ? this.values.flatMap((row, e) => (this.iters[e] >= skipStart && row[column] !== null ? [{ iteration: this.iters[e], loss: row[column] as number }] : []))
        : [];
    await writeChart(file, lossChart(train, valid));
  }

  async plotSched(file: string, keys?: readonly string[]): Promise<void> {
    const first = (k: string) => (k === 'lr' ? 0 : k === 'mom' ? 1 : 2);
    const varying = Object.keys(this.hps)
      .filter((k) => new Set(this.hps[k]).size > 1)
      .sort((a, b) => first(a) - first(b));
    const chosen = keys ?? (varying.length ? varying : ['lr']);
    await writeChart(file, schedChart(Object.fromEntries(chosen.map((k) => [k, this.hps[k] ?? []]))));
  }

  async plotLrFind(file: string, suggestions: Readonly<Record<string, number | LrPoint>> = {}, { skipEnd = 5 }: { skipEnd?: number } = {}): Promise<void> {
    const n = Math.max(0, this.lrs.length - skipEnd);
    const lrs = this.lrs.slice(0, n);
    const losses = this.losses.slice(0, n);
    const marks = Object.entries(suggestions).map(([suggestion, p]) =>
      typeof p === 'number' ? { suggestion, lr: p, loss: interpLogX(p, lrs, losses) } : { suggestion, lr: p.lr, loss: p.loss },
    );
    await writeChart(file, lrFindChart(lrs, losses, marks.filter((m) => Number.isFinite(m.loss))));
  }

  /** One device read for all training losses not read yet; they feed the smoothed loss in order. */
  private readPending(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending.length === 1 ? null : tf.stack(this.pending);
    const raw = (batch ?? this.pending[0]).dataSync();
    batch?.dispose();
    for (const t of this.pending) t.dispose();
    this.pending = [];
    for (const loss of raw) {
      this.smooth.add(loss);
      this.seenLosses.push(this.smooth.value!);
    }
    if (this.learn) this.learn.smoothLoss = this.smooth.value;
  }

  private recordHypers(hypers: Readonly<Record<string, number>>): void {
    const n = this.trainBatches;
    for (const [key, value] of Object.entries(hypers)) {
      // A hyper that appears mid-run (set for the first time by a scheduler) is NaN before, to keep series aligned.
      const series = (this.hps[key] ??= Array.from({ length: n }, () => Number.NaN));
      series.push(value);
    }
  }

  private dropTensors(): void {
    for (const t of this.pending) t.dispose();
    this.pending = [];
    this.trainMeans?.dispose();
    this.validMeans?.dispose();
  }
}

/** fastai's `Recorder.metric_names` (without the leading `epoch` only when asked). */
export function metricNames(metrics: readonly string[], o: { addTime?: boolean; trainMetrics?: boolean; validMetrics?: boolean }): string[] {
  const { addTime = true, trainMetrics = false, validMetrics = true } = o;
  let names: string[];
  if (trainMetrics && validMetrics) {
    names = [...['loss', ...metrics].map((m) => `train_${m}`), ...['loss', ...metrics].map((m) => `valid_${m}`)];
  } else if (validMetrics) names = ['train_loss', 'valid_loss', ...metrics];
  else names = ['train_loss', ...(trainMetrics ? metrics : [])];
  return ['epoch', ...names, ...(addTime ? ['time'] : [])];
}

/** fastai's `format_time`: `mm:ss`, or `h:mm:ss` past an hour, whole seconds. */
export function formatTime(seconds: number): string {
  const t = Math.floor(seconds);
  const [h, m, s] = [Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60];
  const pad = (x: number) => String(x).padStart(2, '0');
  return h !== 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

function nulls(n: number): null[] {
  return Array.from({ length: n }, () => null);
}
