import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../runtime/cli/main.ts';
import { bufferIO } from '../../runtime/cli/io.ts';
import { Learner } from '../../runtime/learner/learner.ts';
import { escapesFolder } from '../../plugin-sdk/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-confined-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const learner = (dir: string, plugins: unknown[]) =>
  Learner.create({ model: new TinyLinear(), dls: tinyData(), lossFunc: 'mse', backend: 'cpu', quiet: true, baseDir: dir, plugins: plugins as never });

async function runConfig(name: string, config: object): Promise<{ code: number; err: string }> {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ data: ['mnist', { nTrain: 20, nValid: 10 }], backend: 'cpu', fit: { epochs: 1 }, ...config }));
  const io = bufferIO(dir);
  const code = await main(['fit', '--quiet', '--config', 'c.json'], io);
  return { code, err: io.stderrText };
}

describe('file names in plugin options stay inside their folder', () => {
  it('escapesFolder', () => {
    expect(['../x', '..', 'a/../../x', '..\\x', 'a/./../..'].map((n) => escapesFolder(n))).toEqual([true, true, true, true, true]);
    expect(['x', 'a/b.csv', 'a/../b', './x', '/abs/x'].map((n) => escapesFolder(n))).toEqual([false, false, false, false, false]);
    expect(escapesFolder('/abs/x', { allowAbsolute: false })).toBe(true);
  });

  it('save-model fname and dir, csv-logger fname: an escaping name is refused when the plugin is created', async () => {
    const base = path.join(work, 'base', 'inner');
    await expect(learner(base, [['save-model', { fname: '../../../x' }]])).rejects.toThrow(/save-model.*fname.*expected a file name inside the folder/s);
    await expect(learner(base, [['save-model', { fname: '/tmp/x' }]])).rejects.toThrow(/fname.*not an absolute path/s);
    await expect(learner(base, [['save-model', { dir: 'models/../../out' }]])).rejects.toThrow(/save-model.*dir.*expected a path inside its folder/s);
    await expect(learner(base, [['csv-logger', { fname: '../../x.csv' }]])).rejects.toThrow(/csv-logger.*fname.*expected a path inside its folder/s);
  });

  it('names inside the folder and absolute paths given in code write where they say', async () => {
    const base = path.join(work, 'ok');
    const abs = path.join(work, 'elsewhere', 'h.csv');
    const learn = await learner(base, [['csv-logger', { fname: abs }], ['save-model', { dir: 'ck', fname: 'sub/run' }]]);
    await learn.fit(1, 0.01);
    expect(readFileSync(abs, 'utf8').split('\n')[0]).toBe('epoch,train_loss,valid_loss,time');
    expect(existsSync(path.join(base, 'ck', 'sub', 'run.tapfit'))).toBe(true);
  });

  it('in a config file, an escaping fname exits 2 naming the key, and nothing is written outside', async () => {
    rmSync(path.join(work, '..', 'escaped.csv'), { force: true });
    const r = await runConfig('csv-escape', { model: 'mnist-mlp', plugins: [['csv-logger', { fname: '../../escaped.csv' }]] });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/c\.json: plugins\[0\]\[1\]\.fname: expected a path inside its folder .*got "\.\.\/\.\.\/escaped\.csv"/);
    expect(existsSync(path.join(work, '..', 'escaped.csv'))).toBe(false);
  });
});

describe('module specifiers in configs: built-in names, package names and file paths only', () => {
  const marker = path.join(work, 'pwned');
  const code = `import('node:fs').then((fs) => fs.writeFileSync(${JSON.stringify(marker)}, 'x')); export default () => ({ name: 'evil' });`;

  it.each([
    ['a data: plugin', { model: 'mnist-mlp', plugins: [`data:text/javascript,${encodeURIComponent(code)}`] }, /plugins\[0\].*is a URL/],
    ['a data: model', { model: `data:text/javascript,${encodeURIComponent(code)}` }, /model.*is a URL/],
    ['an https: plugin', { model: 'mnist-mlp', plugins: ['https://example.com/plugin.js'] }, /plugins\[0\].*"https:\/\/example\.com\/plugin\.js" is a URL/],
    ['a node: model', { model: 'node:fs/promises' }, /model.*"node:fs\/promises" is a URL/],
  ])('%s is refused (exit 2) and its code never runs', async (name, config, message) => {
    const r = await runConfig(name.replace(/\W+/g, '-'), config);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(marker)).toBe(false);
  });

  it('a file: URL is refused too, while the same file as a path loads', async () => {
    const file = path.resolve('test/fixtures/configs/plugins/cycle-a.ts');
    const r = await runConfig('file-url', { model: 'mnist-mlp', plugins: [pathToFileURL(file).href] });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is a URL/);
    const ok = await runConfig('file-path', { model: 'mnist-mlp', plugins: [file] });
    expect(ok.code, ok.err).toBe(0);
  });
});
