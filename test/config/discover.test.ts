import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../runtime/config/errors.ts';
import { loadConfig, SEARCH_PLACES } from '../../runtime/config/discover.ts';

const dirs: string[] = [];
/** A fresh folder holding `files` (with a package.json so the search stops there). */
function project(files: Record<string, string>, { packageJson = true } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tapfit-discover-'));
  dirs.push(dir);
  if (packageJson && !('package.json' in files)) writeFileSync(path.join(dir, 'package.json'), '{ "name": "app", "private": true }');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Each form carries a distinct seed, so the test knows which file was read. */
const FORMS: Record<string, (seed: number) => string> = {
  'package.json': (s) => JSON.stringify({ name: 'app', tapfit: { model: 'mnist-mlp', data: 'mnist', seed: s } }),
  '.tapfitrc': (s) => `model: mnist-mlp\ndata: mnist\nseed: ${s}\n`,
  '.tapfitrc.json': (s) => JSON.stringify({ model: 'mnist-mlp', data: 'mnist', seed: s }),
  '.tapfitrc.yaml': (s) => `model: mnist-mlp\ndata: mnist\nseed: ${s}\n`,
  '.tapfitrc.yml': (s) => `model: mnist-mlp\ndata: [mnist, { nTrain: 10 }]\nseed: ${s}\n`,
  '.tapfitrc.js': (s) => `module.exports = { model: 'mnist-mlp', data: 'mnist', seed: ${s} };`,
  '.tapfitrc.cjs': (s) => `module.exports = { model: 'mnist-mlp', data: 'mnist', seed: ${s} };`,
  '.tapfitrc.mjs': (s) => `export default { model: 'mnist-mlp', data: 'mnist', seed: ${s} };`,
  '.tapfitrc.ts': (s) => `const seed: number = ${s};\nexport default { model: 'mnist-mlp', data: 'mnist', seed };`,
  'tapfit.config.js': (s) => `export default { model: 'mnist-mlp', data: 'mnist', seed: ${s} };`,
  'tapfit.config.cjs': (s) => `module.exports = { model: 'mnist-mlp', data: 'mnist', seed: ${s} };`,
  'tapfit.config.mjs': (s) => `export default { model: 'mnist-mlp', data: 'mnist', seed: ${s} };`,
  // A TS config may import the runtime (here: `defineConfig`), through this module's own import().
  'tapfit.config.ts': (s) =>
    `import { defineConfig } from '${path.resolve('runtime/config/schema.ts')}';\n` +
    `export default defineConfig({ model: 'mnist-mlp', data: 'mnist', fit: { epochs: 2 }, seed: ${s} as number });`,
};

describe('config discovery (cosmiconfig, module name "tapfit")', () => {
  it('searches exactly the places the docs list, package.json first', () => {
    expect(SEARCH_PLACES).toEqual(Object.keys(FORMS));
  });

  for (const [i, [file, text]] of Object.entries(FORMS).entries()) {
    it(`finds ${file}`, async () => {
      const dir = project({ [file]: text(100 + i) });
      const loaded = await loadConfig({ cwd: dir });
      expect(loaded.file).toBe(path.join(dir, file));
      expect(loaded.baseDir).toBe(dir);
      expect(loaded.config.seed).toBe(100 + i);
      expect(loaded.config.model).toBe('mnist-mlp');
    });
  }

  it('applies defaults: fit is one epoch of oneCycle unless said otherwise', async () => {
    const loaded = await loadConfig({ cwd: project({ '.tapfitrc.json': FORMS['.tapfitrc.json'](1) }) });
    expect(loaded.config.fit).toEqual({ method: 'oneCycle', epochs: 1 });
    const ts = await loadConfig({ cwd: project({ 'tapfit.config.ts': FORMS['tapfit.config.ts'](1) }) });
    expect(ts.config.fit).toEqual({ method: 'oneCycle', epochs: 2 });
  });

  it('takes the first place in search order when several exist', async () => {
    const dir = project({ '.tapfitrc.yaml': FORMS['.tapfitrc.yaml'](1), 'tapfit.config.mjs': FORMS['tapfit.config.mjs'](2) });
    expect((await loadConfig({ cwd: dir })).config.seed).toBe(1);
  });

  it('skips a package.json without a "tapfit" key', async () => {
    const dir = project({ '.tapfitrc.json': FORMS['.tapfitrc.json'](7) });
    expect((await loadConfig({ cwd: dir })).config.seed).toBe(7);
  });

  it('searches up from a sub-folder to the project root, and resolves paths from the config file', async () => {
    const dir = project({ '.tapfitrc.json': FORMS['.tapfitrc.json'](3), 'src/deep/keep.txt': '' });
    const loaded = await loadConfig({ cwd: path.join(dir, 'src', 'deep') });
    expect(loaded.config.seed).toBe(3);
    expect(loaded.baseDir).toBe(dir);
    // Outside the working directory, messages name the file by its absolute path.
    expect(loaded.displayName).toBe(path.join(dir, '.tapfitrc.json'));
  });

  it('does not search above the project root (the folder with package.json)', async () => {
    const outer = project({ '.tapfitrc.json': FORMS['.tapfitrc.json'](5) });
    const inner = path.join(outer, 'pkg');
    mkdirSync(inner);
    writeFileSync(path.join(inner, 'package.json'), '{ "name": "inner" }');
    await expect(loadConfig({ cwd: inner })).rejects.toThrow(/no tapfit config found/);
  });

  it('--config overrides the search, for any file name and format', async () => {
    const dir = project({ '.tapfitrc.json': FORMS['.tapfitrc.json'](1), 'configs/exp.yaml': FORMS['.tapfitrc.yaml'](9) });
    const loaded = await loadConfig({ cwd: dir, configFile: 'configs/exp.yaml' });
    expect(loaded.config.seed).toBe(9);
    expect(loaded.displayName).toBe(path.join('configs', 'exp.yaml'));
    expect(loaded.baseDir).toBe(path.join(dir, 'configs'));
    const pkg = project({ 'package.json': FORMS['package.json'](4) });
    expect((await loadConfig({ cwd: dir, configFile: path.join(pkg, 'package.json') })).config.seed).toBe(4);
  });

  it('reports a missing config as a ConfigError that says what was looked for', async () => {
    const dir = project({});
    const error = await loadConfig({ cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('E_CONFIG');
    expect((error as Error).message).toMatch(/\.tapfitrc\.ts.*tapfit\.config\.ts.*--config/);
  });
});
