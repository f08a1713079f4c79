import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { TapfitError } from './errors.ts';

/**
 * Compile a vega-lite spec and render it to an SVG string, headless (no browser, no canvas). vega and vega-lite
 * are loaded on first use: only plotting pays for them. Shared by the recorder plugin and the runtime's charts.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ compile }, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Pixels per SVG unit (2 gives a sharp image on high-density screens); default 2. */
  scale?: number;
}

/**
 * Render a vega-lite spec to PNG bytes: vega draws the SVG, resvg (a native SVG renderer shipped as a
 * prebuilt npm binary, loaded on the first PNG) rasterises it on a white background with the system fonts.
 */
export async function renderPng(spec: TopLevelSpec, { scale = 2 }: PngOptions = {}): Promise<Uint8Array> {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new TapfitError('E_CONFIG', `renderPng: "scale" must be a positive number, got ${scale}`);
  const [svg, { Resvg }] = await Promise.all([renderSvg(spec), import('@resvg/resvg-js')]);
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** Render `spec` and write it to `file` (folders created as needed). */
export async function writeSvg(file: string, spec: TopLevelSpec): Promise<void> {
  const svg = await renderSvg(spec);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, svg);
}

/** The chart formats `writeChart` knows, by file extension. */
export const CHART_EXTENSIONS = ['.svg', '.png'] as const;

/** `.svg` or `.png` from a file name, or an error naming the file and the extensions known. */
export function chartFormat(file: string): 'svg' | 'png' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.svg' || ext === '.png') return ext === '.svg' ? 'svg' : 'png';
  throw new TapfitError('E_CONFIG', `chart file "${file}": expected a name ending in ${CHART_EXTENSIONS.join(' or ')} (the extension picks the format)`);
}

/** Render `spec` to `file` as SVG or PNG, chosen by the file's extension (folders created as needed). */
export async function writeChart(file: string, spec: TopLevelSpec, png: PngOptions = {}): Promise<void> {
  const format = chartFormat(file);
  const bytes = format === 'svg' ? await renderSvg(spec) : await renderPng(spec, png);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, bytes);
}
