import * as tf from '@tensorflow/tfjs';
import type { TopLevelSpec } from 'vega-lite';
import { TapfitError, writeChart, type DataLoader } from '../../plugin-sdk/index.ts';
import type { Learner } from './pass.ts';
import { getPreds } from './get-preds.ts';
import { inferenceInfo } from './info.ts';

export interface ShowResultsOptions {
  /** How many items; default 9. */
  n?: number;
  /** Default: the validation loader. */
  dl?: DataLoader;
}

const hex = (v: number) => Math.round(Math.min(Math.max(v, 0), 1) * 255).toString(16).padStart(2, '0');

/** One row per pixel, coloured after scaling each image to [0, 1] (NHWC, 1 or 3 channels). */
function imageRows(images: number[][][][], titles: string[]) {
  const rows: { item: number; title: string; r: number; c: number; rgb: string }[] = [];
  images.forEach((img, item) => {
    const flat = img.flat(2);
    const lo = Math.min(...flat);
    const span = Math.max(...flat) - lo || 1;
    img.forEach((line, r) =>
      line.forEach((px, c) => {
        const [red, green, blue] = px.length >= 3 ? px : [px[0], px[0], px[0]];
        const s = (v: number) => hex((v - lo) / span);
        rows.push({ item, title: titles[item], r, c, rgb: `#${s(red)}${s(green)}${s(blue)}` });
      }),
    );
  });
  return rows;
}

/** The vega-lite grid of images, each titled `predicted / actual`. */
export function imageGridSpec(images: number[][][][], titles: string[]): TopLevelSpec {
  return {
    data: { values: imageRows(images, titles) },
    columns: Math.ceil(Math.sqrt(images.length)),
    facet: { field: 'title', type: 'nominal', sort: { field: 'item', op: 'min' }, header: { title: null, labelFontSize: 11 } },
    spec: {
      width: 84,
      height: 84,
      mark: 'rect',
      encoding: {
        x: { field: 'c', type: 'ordinal', axis: null },
        y: { field: 'r', type: 'ordinal', axis: null },
        color: { field: 'rgb', type: 'nominal', scale: null, legend: null },
      },
    },
    config: { view: { stroke: null } },
  } as TopLevelSpec;
}

/** A text table: one row per item, columns `input`, `actual`, `predicted`. */
export function tableSpec(rows: { input: string; actual: string; predicted: string }[]): TopLevelSpec {
  const cells = rows.flatMap((row, i) => (['input', 'actual', 'predicted'] as const).map((column) => ({ row: i, column, text: row[column] })));
  return {
    data: { values: cells },
    width: 560,
    height: 22 * rows.length,
    mark: { type: 'text', align: 'left', dx: -40 },
    encoding: {
      x: { field: 'column', type: 'ordinal', sort: ['input', 'actual', 'predicted'], axis: { orient: 'top', title: null, labelAngle: 0 } },
      y: { field: 'row', type: 'ordinal', axis: null },
      text: { field: 'text' },
    },
    config: { view: { stroke: null } },
  } as TopLevelSpec;
}

/**
 * fastai's `show_results`: the first `n` items of the validation set (or `dl`) with their predicted and
 * actual labels, as an image grid for image inputs (NHWC with 1 or 3 channels), else a table; `.svg` or
 * `.png` by the file's extension.
 */
export async function showResults(learn: Learner, file: string, options: ShowResultsOptions = {}): Promise<void> {
  const n = options.n ?? 9;
  if (!Number.isInteger(n) || n < 1) throw new TapfitError('E_CONFIG', `showResults: "n" must be a positive integer, got ${n}`);
  const got = await getPreds(learn, { dl: options.dl, withInput: true, withDecoded: true });
  try {
    const x = got.inputs![0];
    const k = Math.min(n, x.shape[0]);
    const info = inferenceInfo(learn);
    const names = info.labels ?? info.vocab;
    const say = (v: number) => String(names && Number.isInteger(v) && names[v] !== undefined ? names[v] : Number(v.toFixed(4)));
    const items = (t: tf.Tensor | null | undefined) => (t ? (t.slice(0, k).arraySync() as unknown[]) : Array<unknown>(k).fill(null));
    const show = (v: unknown): string => (v === null ? '' : Array.isArray(v) ? v.map(show).join(' ') : say(v as number));
    const [predicted, actual] = [items(got.decoded), items(got.targets)].map((list) => list.map(show));
    const isImage = x.rank === 4 && (x.shape[3] === 1 || x.shape[3] === 3);
    const spec = isImage
      ? imageGridSpec(x.slice(0, k).arraySync() as number[][][][], predicted.map((p, i) => `${i + 1}: ${p} / ${actual[i]}`))
      : tableSpec(items(x).map((input, i) => ({ input: show(input), actual: actual[i], predicted: predicted[i] })));
    await writeChart(file, spec);
  } finally {
    for (const t of [got.preds, got.targets, got.losses, got.decoded, ...(got.inputs ?? [])]) t?.dispose();
  }
}
