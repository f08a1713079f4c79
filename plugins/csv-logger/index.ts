import { closeSync, ftruncateSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { definePlugin, definePluginFactory, escapesFolder, INSIDE_FOLDER, pyRepr, TapfitError, type LearnerView } from '../../plugin-sdk/index.ts';

const options = z.object({
  /** The CSV file, relative to `learn.baseDir` (the config's folder under the CLI, else the working folder). */
  fname: z.string().min(1).refine((v) => !escapesFolder(v), { error: INSIDE_FOLDER }).default('history.csv'),
  /** Add to the file instead of replacing it (a header is written at each fit). */
  append: z.boolean().default(false),
});

interface CsvLoggerState {
  /** Where this fit's lines start in the file (its size when the fit began, in append mode). */
  startOffset: number;
  /** The header and one line per epoch, as written. */
  lines: string[];
}

/** fastai's `format_time`: `mm:ss`, or `h:mm:ss` past an hour, whole seconds. */
function formatTime(seconds: number): string {
  const t = Math.floor(seconds);
  const pad = (x: number) => String(x).padStart(2, '0');
  const [h, m, s] = [Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60];
  return h !== 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/** One CSV cell: numbers as Python's `str(float)`, a cancelled phase as an empty cell. */
const cell = (v: number | string | null | undefined) => (v === null || v === undefined ? '' : typeof v === 'number' ? pyRepr(v) : v);

/**
 * fastai's `CSVLogger`: writes the recorder's `metricNames` as a header, then one row per epoch
 * (`epoch,train_loss,valid_loss,…,time`), each written straight to the file when the epoch ends, so the file
 * is complete up to the last finished epoch even if training crashes. A resumed fit rewrites the rows it had.
 *
 * ```ts
 * await learn.fit(5, 1e-3, { plugins: [['csv-logger', { fname: 'out/history.csv' }]] });
 * ```
 */
export default definePluginFactory({
  name: 'csv-logger',
  options,
  description: 'appends one CSV row per epoch (flushed as it goes)',
  create: (o) => {
    let fd: number | null = null;
    let state: CsvLoggerState = { startOffset: 0, lines: [] };
    let resumed = false;
    let epochStart = 0;
    const close = () => {
      if (fd !== null) closeSync(fd);
      fd = null;
    };
    const write = (line: string) => {
      writeSync(fd!, `${line}\n`);
      state.lines.push(line);
    };
    return definePlugin({
      name: 'csv-logger',
      order: 60,
      runAfter: ['recorder'],
      fname: o.fname,
      beforeFit(learn: LearnerView) {
        const recorder = learn.recorder;
        if (!recorder) throw new TapfitError('E_CONFIG', 'csv-logger writes the recorder\'s values, but the "recorder" plugin is not loaded');
        close();
        const file = path.resolve(learn.baseDir, o.fname);
        mkdirSync(path.dirname(file), { recursive: true });
        fd = openSync(file, o.append || resumed ? 'a' : 'w');
        if (resumed) {
          // Put back exactly the lines of the interrupted fit: what came after them is gone with that run.
          resumed = false;
          const lines = state.lines;
          ftruncateSync(fd, Math.min(state.startOffset, fstatSync(fd).size));
          state = { startOffset: state.startOffset, lines: [] };
          for (const line of lines) write(line);
          return;
        }
        state = { startOffset: fstatSync(fd).size, lines: [] };
        write(recorder.metricNames.join(','));
      },
      beforeEpoch() {
        epochStart = performance.now();
      },
      afterEpoch(learn: LearnerView) {
        const recorder = learn.recorder!;
        const values = recorder.values.at(-1) ?? [];
        const row = recorder.metricNames.map((name, i) =>
          i === 0 ? String(learn.epoch) : name === 'time' ? formatTime((performance.now() - epochStart) / 1000) : cell(values[i - 1]),
        );
        if (fd !== null) write(row.join(','));
      },
      afterFit() {
        close();
      },
      onError() {
        close();
      },
      stateDict(): CsvLoggerState {
        return { startOffset: state.startOffset, lines: [...state.lines] };
      },
      loadStateDict(s: unknown) {
        const saved = s as Partial<CsvLoggerState> | null;
        if (typeof saved?.startOffset !== 'number' || !Array.isArray(saved.lines)) {
          throw new TapfitError('E_CHECKPOINT', 'csv-logger: the saved state lacks "startOffset" or "lines"');
        }
        state = { startOffset: saved.startOffset, lines: saved.lines.map(String) };
        resumed = true;
      },
    });
  },
});
