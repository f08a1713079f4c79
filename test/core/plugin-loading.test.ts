import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPlugin, loadPlugins } from '../../runtime/plugin-host/load-plugins.ts';
import { registry } from '../../runtime/plugin-host/registry.ts';
import { esmInteropHint } from '../../runtime/plugin-host/load-module.ts';
import { TapfitError } from '../../plugin-sdk/index.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

async function failure(p: Promise<unknown>): Promise<TapfitError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(TapfitError);
  return e as TapfitError;
}

describe('plugin loading', () => {
  it('loads a built-in by name, found in the registry', async () => {
    expect(registry().has('recorder')).toBe(true);
    const p = await loadPlugin('recorder');
    expect(p.name).toBe('recorder');
  });

  it('loads by file path, by package name, with options, and plugin objects', async () => {
    const object = { name: 'inline', beforeFit() {} };
    const plugins = await loadPlugins(['./plugins/counter.ts', ['tapfit-plugin-fixture', { label: 'hi' }], object], fixtures);
    expect(plugins.map((p) => p.name)).toEqual(['counter', 'fixture', 'inline']);
    expect((plugins[1] as unknown as { label: string }).label).toBe('hi');
    expect(plugins[2]).toBe(object);
  });

  it('validates factory options with the plugin schema', async () => {
    const ok = await loadPlugin(['./plugins/factory.ts', { factor: 2 }], fixtures);
    expect((ok as unknown as { factor: number }).factor).toBe(2);
    const e = await failure(loadPlugin(['./plugins/factory.ts', { factor: -1 }], fixtures));
    expect(e.code).toBe('E_PLUGIN_INVALID');
    expect(e.message).toMatch(/plugin "scale-loss": invalid options: factor:/);
  });

  it('a bad specifier names it', async () => {
    const missingFile = await failure(loadPlugin('./plugins/nope.ts', fixtures));
    expect(missingFile.code).toBe('E_PLUGIN_LOAD');
    expect(missingFile.message).toContain('"./plugins/nope.ts"');
    const missingPackage = await failure(loadPlugin('tapfit-plugin-does-not-exist', fixtures));
    expect(missingPackage.message).toContain('"tapfit-plugin-does-not-exist"');
    expect(missingPackage.message).toContain('built-in plugins: ');
  });

  it('a module with no plugin names the specifier', async () => {
    const e = await failure(loadPlugin('./plugins/no-default.ts', fixtures));
    expect(e.message).toBe('plugin "./plugins/no-default.ts": the module has no default export (a plugin or a factory)');
  });

  it('a plugin without a name names the specifier', async () => {
    const e = await failure(loadPlugin('./plugins/nameless.ts', fixtures));
    expect(e.code).toBe('E_PLUGIN_INVALID');
    expect(e.message).toContain('plugin "./plugins/nameless.ts": has no name');
  });

  it('an ES module required from CommonJS gets the fix named; other failures get no hint', () => {
    const cycle = Object.assign(new Error('Cannot require() ES Module /p/plugin-sdk/index.ts in a cycle.'), { code: 'ERR_REQUIRE_CYCLE_MODULE' });
    expect(esmInteropHint(cycle)).toBe(' (tapfit is an ES module: add "type": "module" to the package.json beside this file, or name it .mts)');
    expect(esmInteropHint(Object.assign(new Error('require() of ES Module x not supported'), { code: 'ERR_REQUIRE_ESM' }))).toContain('"type": "module"');
    expect(esmInteropHint(new Error('Cannot find module ./nope.ts'))).toBe('');
  });

  it('options given to a plugin object (not a factory) are refused', async () => {
    const e = await failure(loadPlugin(['./plugins/counter.ts', { x: 1 }], fixtures));
    expect(e.message).toContain('takes no options');
  });
});

describe('architecture', () => {
  it('plugins import only the SDK: no file under plugins/ imports runtime/', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const root = fileURLToPath(new URL('../../plugins/', import.meta.url));
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => /\.(ts|js|mjs)$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const offenders = files.filter((f) => /from\s+['"][^'"]*runtime\/|import\(\s*['"][^'"]*runtime\//.test(readFileSync(path.join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the runtime never imports plugins/ statically, and the SDK imports nothing of ours', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const scan = (dir: string, pattern: RegExp) => {
      const root = fileURLToPath(new URL(dir, import.meta.url));
      return (readdirSync(root, { recursive: true }) as string[])
        .filter((f) => f.endsWith('.ts'))
        .filter((f) => pattern.test(readFileSync(path.join(root, f), 'utf8')));
    };
    expect(scan('../../runtime/', /from\s+['"][^'"]*\/plugins\//)).toEqual([]);
    expect(scan('../../plugin-sdk/', /from\s+['"][^'"]*(runtime|plugins)\//)).toEqual([]);
  });
});
