import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { definePlugin, definePluginFactory, TapfitError, type LearnerView } from '../../plugin-sdk/index.ts';
import { fileVersionEvent, histogram, summaryEvent, type SummaryValue } from './events.ts';
import { frameRecord } from './records.ts';

const options = z.strictObject({
  /** Folder of runs (one sub-folder per fit), relative to `learn.baseDir`; what `tensorboard --logdir` is given. */
  logDir: z.string().min(1).default('runs'),
  /** This fit's folder name; default `run-<date>-<time>` (a `-2`, `-3` … is added when taken). */
  runName: z.string().min(1).regex(/^[^/\\]+$/, 'a folder name, without slashes').optional(),
  /** Write the smoothed loss and the hyper-parameters of every `batchEvery`-th training batch (0: none). */
  batchEvery: z.number().int().min(0).default(1),
  /** A histogram of every parameter at the end of each epoch. */
  histograms: z.boolean().default(false),
  /** Buckets per histogram. */
  bins: z.number().int().min(1).max(1000).default(30),
});

export type TensorBoardOptions = z.input<typeof options>;

const pad = (n: number) => String(n).padStart(2, '0');
function defaultRunName(d: Date): string {
  return `run-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** `name`, or `name-2`, `name-3` … whichever does not exist yet under `dir`. */
function freshFolder(dir: string, name: string): string {
  let candidate = path.join(dir, name);
  for (let k = 2; existsSync(candidate); k++) candidate = path.join(dir, `${name}-${k}`);
  return candidate;
}

/**
 * Writes TensorBoard event files (fastai's `TensorBoardCallback`, Keras' `TensorBoard`): per training batch
 * `batch/smooth_loss` and `batch/<hyper>` (lr, mom, wd, … of the last parameter group) at step = training
 * batches so far; per epoch `epoch/<column>` (train_loss, valid_loss, every metric) at step = epoch; with
 * `histograms`, `weights/<parameter>` per epoch. One folder per fit under `logDir` (none for an `lrFind` sweep);
 * each record is written straight to the file, so what a crash leaves is readable up to the last whole record.
 *
 * ```ts
 * await learn.fit(5, 1e-2, { plugins: [['tensorboard', { logDir: 'runs', histograms: true }]] });
 * // then: tensorboard --logdir runs
 * ```
 */
export default definePluginFactory({
  name: 'tensorboard',
  options,
  description: 'writes TensorBoard event files: losses, metrics and hypers per batch and epoch, weight histograms',
  create: (o) => {
    let fd: number | null = null;
    let written = 0;
    const close = () => {
      if (fd !== null) closeSync(fd);
      fd = null;
    };
    const write = (event: Uint8Array) => {
      if (fd !== null) writeSync(fd, frameRecord(event));
    };
    const now = () => Date.now() / 1000;
    return definePlugin({
      name: 'tensorboard',
      order: 60,
      runAfter: ['recorder'],
      /** This fit's run folder and event file (set in `beforeFit`). */
      runDir: '',
      file: '',
      beforeFit(learn: LearnerView) {
        if (!learn.recorder) throw new TapfitError('E_CONFIG', 'plugin "tensorboard" writes the recorder\'s values, but the "recorder" plugin is not loaded');
        close();
        // As fastai's TensorBoardCallback: an lr-finder sweep is not a run (its fd stays null: nothing is written).
        if (learn.sweeping) return;
        const started = new Date();
        this.runDir = freshFolder(path.resolve(learn.baseDir, o.logDir), o.runName ?? defaultRunName(started));
        mkdirSync(this.runDir, { recursive: true });
        this.file = path.join(this.runDir, `events.out.tfevents.${Math.floor(started.getTime() / 1000)}.${hostname()}`);
        fd = openSync(this.file, 'a');
        // A resumed fit's recorder already holds the earlier batches: they are written again, in this run's file.
        written = 0;
        write(fileVersionEvent(now()));
      },
      afterBatch(learn: LearnerView) {
        if (fd !== null && learn.training && o.batchEvery > 0 && learn.trainIter % o.batchEvery === 0) this.writeBatches(learn);
      },
      afterTrain(learn: LearnerView) {
        if (fd !== null && o.batchEvery > 0) this.writeBatches(learn);
      },
      afterEpoch(learn: LearnerView) {
        if (fd === null) return;
        const r = learn.recorder!;
        const row = r.values.at(-1) ?? [];
        const names = r.metricNames.slice(1, 1 + row.length);
        const values: SummaryValue[] = [];
        names.forEach((name, i) => {
          const v = row[i];
          if (typeof v === 'number' && Number.isFinite(v)) values.push({ tag: `epoch/${name}`, simpleValue: v });
        });
        if (values.length) write(summaryEvent(now(), learn.epoch, values));
        if (o.histograms) this.writeHistograms(learn);
      },
      afterFit() {
        close();
      },
      onError() {
        close();
      },
      /** Every batch the recorder holds that is not in the file yet, one event each. */
      writeBatches(learn: LearnerView) {
        const r = learn.recorder!;
        const losses = r.losses;
        const every = Math.max(1, o.batchEvery);
        for (let i = written; i < losses.length; i++) {
          const step = i + 1;
          if (step % every !== 0) continue;
          const values: SummaryValue[] = [];
          if (Number.isFinite(losses[i])) values.push({ tag: 'batch/smooth_loss', simpleValue: losses[i] });
          for (const [key, series] of Object.entries(r.hps)) {
            const v = series[i];
            if (Number.isFinite(v)) values.push({ tag: `batch/${key}`, simpleValue: v });
          }
          if (values.length) write(summaryEvent(now(), step, values));
        }
        written = losses.length;
      },
      writeHistograms(learn: LearnerView) {
        const values: SummaryValue[] = [];
        for (const v of learn.model.parameters()) {
          // A variable's dataSync copies its values out: no tensor is made, none to dispose.
          const histo = histogram(v.dataSync(), o.bins);
          if (histo) values.push({ tag: `weights/${v.name}`, histo });
        }
        if (values.length) write(summaryEvent(now(), learn.epoch, values));
      },
    });
  },
});
