import type { TopLevelSpec } from 'vega-lite';

/**
 * The charts of a run as vega-lite specs (pure data), rendered by `charts.ts`: the recorder draws them live,
 * `tapfit plot` from a saved `history.json`.
 */

const WIDTH = 480;
const HEIGHT = 300;

export type Row = Record<string, number | string>;

/** fastai's `plot_loss`: smoothed training loss per batch, validation loss at the end of each epoch. */
export function lossChart(train: readonly Row[], valid: readonly Row[]): TopLevelSpec {
  const x = { field: 'iteration', type: 'quantitative', title: 'iteration (training batches)' } as const;
  const y = { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false } } as const;
  const color = { title: 'series', scale: { domain: ['train', 'valid'] } } as const;
  return {
    width: WIDTH,
    height: HEIGHT,
    title: 'Loss',
    layer: [
      { data: { values: [...train] }, mark: { type: 'line' }, encoding: { x, y, color: { ...color, datum: 'train' } } },
      ...(valid.length
        ? [{ data: { values: [...valid] }, mark: { type: 'line' as const, point: true }, encoding: { x, y, color: { ...color, datum: 'valid' } } }]
        : []),
    ],
  };
}

/** fastai's `plot_sched`: one panel per hyper-parameter, two per row. */
export function schedChart(series: Readonly<Record<string, readonly number[]>>): TopLevelSpec {
  return {
    title: 'Hyper-parameter schedules',
    columns: 2,
    concat: Object.entries(series).map(([key, values]) => ({
      width: WIDTH / 2 + 60,
      height: HEIGHT / 2 + 40,
      title: key,
      data: { values: values.map((value, iteration) => ({ iteration, value })) },
      mark: { type: 'line' },
      encoding: {
        x: { field: 'iteration', type: 'quantitative', title: 'iteration (training batches)' },
        y: { field: 'value', type: 'quantitative', title: key, scale: { zero: false } },
      },
    })),
  };
}

/** fastai's `plot_lr_find`: loss against learning rate on a log-x axis, with the suggestions marked. */
export function lrFindChart(lrs: readonly number[], losses: readonly number[], marks: readonly Row[]): TopLevelSpec {
  const x = { field: 'lr', type: 'quantitative', title: 'learning rate (log scale)', scale: { type: 'log' }, axis: { format: '.0e' } } as const;
  const y = { field: 'loss', type: 'quantitative', title: 'smoothed loss', scale: { zero: false } } as const;
  return {
    width: WIDTH,
    height: HEIGHT,
    title: 'Learning-rate finder',
    layer: [
      { data: { values: lrs.map((lr, i) => ({ lr, loss: losses[i] })) }, mark: { type: 'line' }, encoding: { x, y } },
      ...(marks.length
        ? [
            {
              data: { values: [...marks] },
              mark: { type: 'point' as const, filled: true, size: 80 },
              encoding: { x, y, color: { field: 'suggestion', type: 'nominal' as const, title: 'suggestion' } },
            },
          ]
        : []),
    ],
  };
}

/** One panel per column of the epoch table (losses and metrics have their own scales), a point per epoch. */
export function epochChart(columns: readonly string[], values: readonly (readonly (number | null)[])[]): TopLevelSpec {
  return {
    title: 'Per epoch',
    columns: 2,
    concat: columns.map((name, c) => ({
      width: WIDTH / 2 + 60,
      height: HEIGHT / 2 + 40,
      title: name,
      data: { values: values.flatMap((row, epoch) => (typeof row[c] === 'number' && Number.isFinite(row[c]) ? [{ epoch, value: row[c] }] : [])) },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: name, scale: { zero: false } },
      },
    })),
  };
}
