import type { TopLevelSpec } from 'vega-lite';
export { renderPng, renderSvg, writeChart, writeSvg, chartFormat, type PngOptions } from '../../plugin-sdk/charts.ts';

/**
 * Charts for apps and examples (e.g. several runs' loss curves on one chart): vega-lite specs rendered to
 * SVG by vega, headless, or to PNG (`writeChart` picks by the file's extension). The recorder's own charts (`learn.recorder.plotLoss` …) live with the plugin.
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
