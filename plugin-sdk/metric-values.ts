import type { RecorderView } from './recorder.ts';

/**
 * The column of a recorder's `values` rows that holds metric `name` (`metricNames` starts with `epoch`, the rows
 * do not), or -1 when it is not recorded.
 */
export function metricColumn(metricNames: readonly string[], name: string): number {
  const i = metricNames.indexOf(name);
  return i < 1 ? -1 : i - 1;
}

/**
 * Per epoch, the recorded value of metric `name` (`'valid_loss'`, `'accuracy'`, …), `null` where that phase was
 * cancelled; `undefined` when the recorder does not record it.
 */
export function metricValues(recorder: Pick<RecorderView, 'metricNames' | 'values'>, name: string): (number | null)[] | undefined {
  const column = metricColumn(recorder.metricNames, name);
  if (column < 0) return undefined;
  return recorder.values.map((row) => (typeof row[column] === 'number' ? (row[column] as number) : null));
}
