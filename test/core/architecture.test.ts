/**
 * The house rules, checked on the sources: `plugins → plugin-sdk ← runtime`; inside runtime/, imports go only from a
 * higher layer to a lower one; no import cycles; the runtime names no plugin (it asks roles); the SDK loads nothing
 * of ours at run time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLE_PROVIDERS } from '../../plugins/roles.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** runtime/'s folders (and top-level files) by layer: a module may import its own layer or a lower one, never a higher. */
const LAYERS: Record<string, number> = {
  'losses.ts': 0,
  'metrics.ts': 0,
  data: 0,
  models: 0,
  backend: 0,
  hooks: 0,
  'plugin-host': 0,
  optimizer: 1,
  checkpoint: 2,
  fit: 2,
  inference: 2,
  export: 2,
  learner: 3,
  testing: 4,
  config: 4,
  plot: 4,
  interpret: 4,
  cli: 5,
  'index.ts': 6,
};

function sources(dir: string): string[] {
  return (readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

/** The source without comments, so prose may name anything. */
function code(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Relative imports of `file` (static, type-only and literal dynamic ones), as repository paths. */
function relativeImports(file: string): string[] {
  const specs = [...code(file).matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => path.normalize(path.join(path.dirname(file), s)));
}

const runtime = sources('runtime');
const sdk = sources('plugin-sdk');
const plugins = sources('plugins');
const layerOf = (file: string) => LAYERS[file.split(path.sep)[1]];

describe('architecture', () => {
  it('every runtime folder has a layer', () => {
    expect(runtime.filter((f) => layerOf(f) === undefined)).toEqual([]);
  });

  it('runtime/ never imports from a higher layer', () => {
    const upward: string[] = [];
    for (const file of runtime) {
      for (const target of relativeImports(file)) {
        if (!target.startsWith(`runtime${path.sep}`)) continue;
        const [from, to] = [file.split(path.sep)[1], target.split(path.sep)[1]];
        if (from !== to && layerOf(target) > layerOf(file)) upward.push(`${file} → ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('no import cycles in runtime/ and plugin-sdk/ (type imports included)', () => {
    const graph = new Map<string, string[]>();
    for (const file of [...runtime, ...sdk]) graph.set(file, relativeImports(file).filter((t) => graph.has(t) || runtime.includes(t) || sdk.includes(t)));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...trail.slice(trail.indexOf(next)), file, next].join(' → '));
        else if (!state.has(next)) visit(next, [...trail, file]);
      }
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('plugins import only the SDK; the runtime never imports plugins/; the SDK imports nothing of ours', () => {
    const outside = (files: string[], allowed: (target: string) => boolean) =>
      files.flatMap((file) => relativeImports(file).filter((t) => !allowed(t)).map((t) => `${file} → ${t}`));
    expect(outside(plugins, (t) => t.startsWith(`plugins${path.sep}`) || t.startsWith(`plugin-sdk${path.sep}`))).toEqual([]);
    expect(outside(runtime, (t) => !t.startsWith(`plugins${path.sep}`))).toEqual([]);
    expect(outside(sdk, (t) => t.startsWith(`plugin-sdk${path.sep}`))).toEqual([]);
  });

  it('the runtime names no plugin: it asks for roles', () => {
    const roles = new Set(Object.keys(ROLE_PROVIDERS));
    const names = readdirSync(path.join(ROOT, 'plugins'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'steppers')
      .map((d) => d.name)
      .filter((name) => !roles.has(name));
    expect(names.length).toBeGreaterThan(8);
    const named = runtime.flatMap((file) => names.filter((n) => new RegExp(`['"\`]${n}['"\`]`).test(code(file))).map((n) => `${file}: "${n}"`));
    expect(named).toEqual([]);
  });

  it('the SDK loads no module of ours at run time (no dynamic import of tapfit or of a computed name)', () => {
    const dynamic = sdk.flatMap((file) =>
      [...code(file).matchAll(/import\s*\(\s*([^)]*)\)/g)]
        .map((m) => m[1].trim())
        .filter((arg) => !/^['"][^'"]+['"]$/.test(arg) || /^['"](tapfit|\.)/.test(arg))
        .map((arg) => `${file}: import(${arg})`),
    );
    expect(dynamic).toEqual([]);
  });
});
