import cliProgress from 'cli-progress';
import { z } from 'zod';
import { definePlugin, definePluginFactory, type LearnerView } from '../../plugin-sdk/index.ts';

const options = z.object({
  /** Draw a progress bar per phase; default: when stdout is a terminal and the learner is not quiet. */
  bar: z.boolean().optional(),
  /**
   * Without a bar (stdout not a terminal: a log file, CI), print a progress line at most every this many
   * seconds: position, smoothed loss, rate and the fit's ETA. 0: after every batch; omitted: every 10 s.
   */
  lineEvery: z.number().min(0).default(10),
});

/**
 * fastai's ProgressCallback: a progress bar over each training and validation phase (with the smoothed
 * loss), and the epoch table `epoch | train_loss | valid_loss | <metrics> | time` printed through
 * `learn.log` as each epoch ends, followed by any recorder notes. Silent during `lrFind`.
 *
 * Where stdout is not a terminal there is no bar; instead a line every `lineEvery` seconds
 * (`epoch 1/2  train 120/469  loss 0.4123  52.3 batches/s  eta 00:21`), between the table's rows.
 *
 * ```ts
 * const learn = await Learner.create({ model, dls, metrics: ['accuracy'], plugins: ['progress'] });
 * await learn.fitOneCycle(2, 1e-2);
 * // epoch     train_loss  valid_loss  accuracy  time
 * // 0         0.412345    0.301234    0.912000  00:03
 * ```
 */
export default definePluginFactory({
  name: 'progress',
  options,
  description: 'progress bars and the per-epoch table (epoch, losses, metrics, time)',
  create: (o) =>
    definePlugin({
      name: 'progress',
      roles: ['progress'],
      order: 60,
      runAfter: ['recorder'],
      active: false,
      showBar: false,
      columns: [] as string[],
      notesShown: 0,
      bar: null as cliProgress.SingleBar | null,
      lines: null as ProgressLines | null,
      beforeFit(learn) {
        this.active = !learn.sweeping;
        if (!this.active) return;
        this.showBar = o.bar ?? (Boolean(process.stdout.isTTY) && !learn.quiet);
        this.lines = this.showBar || learn.quiet ? null : new ProgressLines(o.lineEvery * 1000);
        this.notesShown = 0;
        const names = learn.recorder?.metricNames ?? [];
        // fastprogress' console table: headers padded to 8 characters, joined by two spaces.
        this.columns = names.map((n) => n.padEnd(8));
        if (names.length) learn.log(this.columns.join('  ').trimEnd());
      },
      beforeTrain(learn) {
        this.startBar(learn, 'train');
      },
      beforeValidate(learn) {
        this.startBar(learn, 'valid');
      },
      afterBatch(learn) {
        const loss = learn.smoothLoss;
        this.bar?.update(learn.iter + 1, { loss: learn.training && loss !== null ? `loss ${loss.toFixed(4)}` : '' });
        if (this.active) {
          const line = this.lines?.afterBatch(learn);
          if (line) learn.log(line);
        }
      },
      afterTrain() {
        this.stopBar();
      },
      afterValidate() {
        this.stopBar();
      },
      afterEpoch(learn) {
        if (!this.active || !learn.recorder) return;
        const row = learn.recorder.log;
        learn.log(row.map((cell, i) => formatCell(cell, i).padEnd(this.columns[i]?.length ?? 0)).join('  ').trimEnd());
        this.showNotes(learn);
      },
      afterFit(learn) {
        this.stopBar();
        this.lines = null;
        if (this.active) this.showNotes(learn);
      },
      onError() {
        this.stopBar();
        this.lines = null;
      },
      startBar(learn: LearnerView, phase: string) {
        this.stopBar();
        if (!this.active || !this.showBar || !learn.dl) return;
        this.bar = new cliProgress.SingleBar(
          { format: `epoch ${learn.epoch + 1}/${learn.nEpoch} ${phase} |{bar}| {value}/{total} {loss}`, clearOnComplete: true, hideCursor: true, stream: process.stdout },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(learn.dl.length, 0, { loss: '' });
      },
      stopBar() {
        this.bar?.stop();
        this.bar = null;
      },
      showNotes(learn: LearnerView) {
        const notes = learn.recorder?.notes ?? [];
        for (const note of notes.slice(this.notesShown)) learn.log(`note: ${note}`);
        this.notesShown = notes.length;
      },
    }),
});

/** fastai's table writer: the epoch as an integer, floats with 6 decimals, an empty cell for a cancelled phase. */
export function formatCell(cell: number | string | null, column: number): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return cell;
  return column === 0 ? String(cell) : cell.toFixed(6);
}

/** `mm:ss`, or `h:mm:ss` past an hour. */
function clock(seconds: number): string {
  const t = Math.max(0, Math.round(seconds));
  const pad = (x: number) => String(x).padStart(2, '0');
  const [h, m, sec] = [Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60];
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`;
}

/**
 * The bar's stand-in where there is no terminal: one compact line at most every `everyMs`. The rate counts
 * every batch of this fit (training and validation), and the ETA is the batches left in the fit at that rate.
 */
export class ProgressLines {
  private readonly start = performance.now();
  private last = this.start;
  private done = 0;
  private firstEpoch: number | null = null;

  constructor(private readonly everyMs: number) {}

  /** The line to print after this batch, or null when the last one is too recent. */
  afterBatch(learn: LearnerView): string | null {
    this.firstEpoch ??= learn.epoch;
    this.done += 1;
    const now = performance.now();
    if (now - this.last < this.everyMs) return null;
    this.last = now;
    const seconds = (now - this.start) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const total = (learn.nEpoch - this.firstEpoch) * (learn.dls.train.length + learn.dls.valid.length);
    const eta = rate > 0 ? clock((total - this.done) / rate) : '--:--';
    const phase = learn.training ? 'train' : 'valid';
    const loss = learn.training && learn.smoothLoss !== null ? `  loss ${learn.smoothLoss.toFixed(4)}` : '';
    return `epoch ${learn.epoch + 1}/${learn.nEpoch}  ${phase} ${learn.iter + 1}/${learn.nIter}${loss}  ${rate.toFixed(1)} batches/s  eta ${eta}`;
  }
}
