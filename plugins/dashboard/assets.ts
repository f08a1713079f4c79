import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PAGE_CSS, PAGE_HTML, PAGE_JS } from './page.ts';

export interface Asset {
  type: string;
  body: Uint8Array;
}

/**
 * The files the dashboard serves, by route, read once. The page itself is TypeScript strings (`page.ts`), so
 * it travels with the compiled code; uPlot is resolved from node_modules by the module system, which works
 * the same from `plugins/dashboard/*.ts` and from a compiled copy elsewhere.
 */
export function pageAssets(): ReadonlyMap<string, Asset> {
  const require = createRequire(import.meta.url);
  const uplot = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`));
  const text = (s: string) => Buffer.from(s, 'utf8');
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: text(PAGE_HTML) }],
    ['/dashboard.js', { type: 'text/javascript; charset=utf-8', body: text(PAGE_JS) }],
    ['/dashboard.css', { type: 'text/css; charset=utf-8', body: text(PAGE_CSS) }],
    ['/uplot.js', { type: 'text/javascript; charset=utf-8', body: uplot('uPlot.iife.min.js') }],
    ['/uplot.css', { type: 'text/css; charset=utf-8', body: uplot('uPlot.min.css') }],
  ]);
}
