import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';

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

/** Render `spec` and write it to `file` (folders created as needed). */
export async function writeSvg(file: string, spec: TopLevelSpec): Promise<void> {
  const svg = await renderSvg(spec);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, svg);
}
