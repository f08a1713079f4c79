import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';

/**
 * Charts for apps and examples (e.g. several runs' loss curves on one chart): vega-lite specs rendered to
 * SVG by vega, headless. The recorder's own charts (`learn.recorder.plotLoss` …) live with the plugin.
 */

export interface LineSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
}

export interface LineChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
}

/** A vega-lite spec: one line per series, coloured by name, with a legend. */
export function lineChart(series: readonly LineSeries[], o: LineChartOptions = {}): TopLevelSpec {
  const values = series.flatMap((s) => s.x.map((x, i) => ({ series: s.name, x, y: s.y[i] })));
  return {
    width: o.width ?? 480,
    height: o.height ?? 300,
    ...(o.title ? { title: o.title } : {}),
    data: { values },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xTitle ?? 'x', scale: o.logX ? { type: 'log' } : { zero: false } },
      y: { field: 'y', type: 'quantitative', title: o.yTitle ?? 'y', scale: o.logY ? { type: 'log' } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: 'series', sort: series.map((s) => s.name) },
    },
  };
}

/** Compile a vega-lite spec and render it to an SVG string (vega and vega-lite are loaded on first use). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ compile }, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Render `spec` and write it to `file` (folders created as needed). */
export async function writeSvg(file: string, spec: TopLevelSpec): Promise<void> {
  const svg = await renderSvg(spec);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, svg);
}
