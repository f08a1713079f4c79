import cliProgress from 'cli-progress';
import { z } from 'zod';
import { definePlugin, definePluginFactory, type Learner } from '../../plugin-sdk/index.ts';

const options = z.object({
  /** Draw a progress bar per phase; default: when stdout is a terminal and the learner is not quiet. */
  bar: z.boolean().optional(),
});

/**
 * fastai's ProgressCallback: a progress bar over each training and validation phase (with the smoothed
 * loss), and the epoch table `epoch | train_loss | valid_loss | <metrics> | time` printed through
 * `learn.log` as each epoch ends, followed by any recorder notes. Silent during `lrFind`.
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
      order: 60,
      runAfter: ['recorder'],
      active: false,
      showBar: false,
      columns: [] as string[],
      notesShown: 0,
      bar: null as cliProgress.SingleBar | null,
      beforeFit(learn) {
        this.active = !learn.plugin('lr-finder');
        if (!this.active) return;
        this.showBar = o.bar ?? (Boolean(process.stdout.isTTY) && !learn.quiet);
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
        if (this.active) this.showNotes(learn);
      },
      onError() {
        this.stopBar();
      },
      startBar(learn: Learner, phase: string) {
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
      showNotes(learn: Learner) {
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
