/**
 * What the recorder plugin exposes as `learn.recorder` (fastai's Recorder). The plugin lives in
 * `plugins/recorder`; this is its public face, so that apps and other plugins can read it.
 */
export interface RecorderView {
  /** `['epoch', 'train_loss', 'valid_loss', ...metrics, 'time']`. */
  readonly metricNames: readonly string[];
  /** Smoothed training loss after each training batch. */
  readonly losses: readonly number[];
  /** Learning rate (last group) of each training batch. */
  readonly lrs: readonly number[];
  /** Per epoch: `[train_loss, valid_loss, ...metrics]`; `null` where a phase was cancelled. */
  readonly values: readonly (readonly (number | null)[])[];
  /** Cumulative number of training batches at the end of each epoch. */
  readonly iters: readonly number[];
  /** Every hyper of the last group, per training batch. */
  readonly hps: Readonly<Record<string, readonly number[]>>;
  /** Notes shown in the epoch table (e.g. why training stopped). */
  readonly notes: readonly string[];
  /** `[valid_loss, ...metrics]` of the last epoch. */
  readonly finalRecord: readonly (number | null)[] | null;
  /** The last epoch's row of the table (fastai's `log`): `[epoch, ...values, 'mm:ss']`, cells as in `values`. */
  readonly log: readonly (number | string | null)[];
  /** The smoothed training loss after the last training batch (reads any batch losses not read yet). */
  readonly smoothLoss: number | null;
  addNote(note: string): void;
  /**
   * Smoothed training loss per batch (skipping the first `skipStart`, default 5) and valid loss per epoch.
   * Every plot is written as SVG or PNG, chosen by the file's extension (`.svg`, `.png`).
   */
  plotLoss(file: string, options?: { skipStart?: number; withValid?: boolean }): Promise<void>;
  /** One panel per hyper (default: those that changed during training). */
  plotSched(file: string, keys?: readonly string[]): Promise<void>;
  /** Loss against lr (log x, last `skipEnd` points dropped, default 5), with the suggestions marked. */
  plotLrFind(file: string, suggestions?: Readonly<Record<string, number | LrPoint>>, options?: { skipEnd?: number }): Promise<void>;
}

/** A point on the LR finder's curve. */
export interface LrPoint {
  lr: number;
  loss: number;
}
