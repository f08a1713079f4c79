import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../runtime/cli/main.ts';
import { bufferIO } from '../../runtime/cli/io.ts';

const FIX = path.resolve('test/fixtures/configs');
const plugin = (name: string) => path.join(FIX, 'plugins', `${name}.ts`);
const ok = { model: 'mnist-mlp', data: ['mnist', { nTrain: 20, nValid: 10 }] };

/** "Billion laughs": 9 levels of 9 aliases, 9^9 strings once expanded. */
function aliasBomb(): string {
  const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]`);
  return `${lines.join('\n')}\nmodel: mnist-mlp\ndata: mnist\n`;
}

interface BadCase {
  name: string;
  /** File name inside the temp folder, and its content (an object is written as JSON). */
  file: string;
  content?: unknown;
  /** What the message must start with after the file name: the key path (empty for the whole file). */
  key: string;
  /** What the message must say about it. */
  says: RegExp;
  /** Pass this as --config instead of the file (for unreadable paths). */
  configArg?: string;
  /** Refused within this time (the alias bomb took 34 s and 2.3 GB before the bound). */
  withinMs?: number;
}

const CASES: BadCase[] = [
  { name: 'a string where a number goes (the documented message)', file: 'tapfit.config.json', content: { ...ok, fit: { epochs: 'three' } }, key: 'fit.epochs', says: /^expected a positive integer, got "three"$/ },
  { name: 'lr given as a string', file: 'lr-string.json', content: { ...ok, fit: { lr: '0.1', epochs: 1 } }, key: 'fit.lr', says: /expected a positive number, got "0\.1"/ },
  { name: 'negative lr', file: 'lr-negative.json', content: { ...ok, fit: { lr: -0.01, epochs: 1 } }, key: 'fit.lr', says: /expected a positive number, got -0\.01/ },
  { name: 'zero epochs', file: 'zero-epochs.yaml', content: 'model: mnist-mlp\ndata: mnist\nfit: { epochs: 0 }\n', key: 'fit.epochs', says: /expected a positive integer, got 0/ },
  { name: 'unknown top-level key', file: 'top-key.json', content: { ...ok, epochs: 3 }, key: 'epochs', says: /unknown key \(allowed: model, data, .*fit/ },
  { name: 'misspelt nested key', file: 'typo.json', content: { ...ok, fit: { epoch: 3 } }, key: 'fit.epoch', says: /unknown key \(did you mean "epochs"\?\)/ },
  { name: 'missing model', file: 'no-model.json', content: { data: 'mnist' }, key: 'model', says: /missing \(expected a model name/ },
  { name: 'model of the wrong type', file: 'model-type.json', content: { ...ok, model: 42 }, key: 'model', says: /expected a model name, a module path, or \[name, options\], got 42/ },
  { name: 'unknown built-in model', file: 'model-unknown.json', content: { ...ok, model: 'resnet50' }, key: 'model', says: /unknown model "resnet50" \(built-in: mnist-mlp, mnist-cnn, lstm-lm/ },
  { name: 'unknown data source', file: 'data-unknown.json', content: { ...ok, data: 'cifar10' }, key: 'data', says: /unknown data source "cifar10" \(built-in: mnist, human-numbers/ },
  { name: 'built-in model option out of range', file: 'model-option.json', content: { ...ok, model: ['mnist-mlp', { hidden: 0 }] }, key: 'model[1].hidden', says: /got 0 \(an option of built-in model "mnist-mlp"\)/ },
  { name: 'unknown built-in model option', file: 'model-option-key.json', content: { ...ok, model: ['mnist-cnn', { filters: 3 }] }, key: 'model[1].filters', says: /unknown key/ },
  { name: 'model module that does not exist', file: 'model-module.json', content: { ...ok, model: './nope/model.ts' }, key: 'model', says: /cannot load model module "\.\/nope\/model\.ts"/ },
  { name: 'model module whose options fail its schema', file: 'model-module-option.json', content: { ...ok, model: [path.join(FIX, 'modules', 'tiny-model.ts'), { units: -1 }] }, key: 'model[1].units', says: /got -1 \(an option of model module/ },
  { name: 'unknown plugin', file: 'plugin-unknown.json', content: { ...ok, plugins: ['early-stop'] }, key: 'plugins[0]', says: /cannot load plugin "early-stop".*built-in plugins: .*recorder/ },
  { name: 'built-in plugin whose options fail its schema', file: 'plugin-option.json', content: { ...ok, plugins: [['recorder', { beta: 2 }]] }, key: 'plugins[0][1].beta', says: /got 2 \(an option of plugin "recorder"\)/ },
  { name: 'unknown option of a plugin with a strict schema', file: 'plugin-option-key.json', content: { ...ok, plugins: [[plugin('scaled-loss'), { factor: 2, facto: 1 }]] }, key: 'plugins[0][1].facto', says: /unknown key \(did you mean "factor"\?\)/ },
  { name: 'plugin missing a required option', file: 'plugin-option-missing.json', content: { ...ok, plugins: [plugin('scaled-loss')] }, key: 'plugins[0].factor', says: /missing .*an option of plugin/ },
  { name: 'options for a plugin that takes none', file: 'plugin-no-options.json', content: { ...ok, plugins: [[plugin('cycle-a'), { x: 1 }]] }, key: 'plugins[0]', says: /takes no options/ },
  { name: 'cyclic plugin order', file: 'cycle.json', content: { ...ok, plugins: [plugin('cycle-a'), plugin('cycle-b')] }, key: 'plugins', says: /plugin order has a cycle: cycle-a → cycle-b → cycle-a/ },
  { name: 'plugin spec of the wrong type', file: 'plugin-type.json', content: { ...ok, plugins: [42] }, key: 'plugins[0]', says: /expected a plugin name, path or package, or \[name, options\], got 42/ },
  { name: 'plugins not a list', file: 'plugins-string.json', content: { ...ok, plugins: 'recorder' }, key: 'plugins', says: /expected a list of plugins, got "recorder"/ },
  { name: 'unknown optimizer preset', file: 'opt-preset.json', content: { ...ok, optimizer: 'adamw' }, key: 'optimizer', says: /unknown optimizer preset "adamw" \(presets: sgd, .*adam/ },
  { name: 'unknown stepper', file: 'opt-stepper.json', content: { ...ok, optimizer: { steppers: ['sgd-step', 'nesterov'] } }, key: 'optimizer.steppers[1]', says: /cannot load stepper "nesterov"/ },
  { name: 'unknown fit method', file: 'fit-method.json', content: { ...ok, fit: { method: 'cosine', epochs: 1 } }, key: 'fit.method', says: /expected one of "fit", "oneCycle", "flatCos", "sgdr", got "cosine"/ },
  { name: 'sgdr given epochs instead of cycles', file: 'sgdr.json', content: { ...ok, fit: { method: 'sgdr', cycles: 2, epochs: 3 } }, key: 'fit.epochs', says: /unknown key \(allowed: method, cycles, cycleLen/ },
  { name: 'unknown backend', file: 'backend.json', content: { ...ok, backend: 'gpu' }, key: 'backend', says: /expected one of "auto", "cpu", "wasm", "tensorflow", got "gpu"/ },
  { name: 'unknown metric', file: 'metric.json', content: { ...ok, metrics: ['accuracy', 'f1'] }, key: 'metrics[1]', says: /unknown metric "f1" \(built-in: accuracy/ },
  { name: 'unknown loss', file: 'loss.json', content: { ...ok, loss: 'hinge' }, key: 'loss', says: /unknown loss "hinge" \(built-in: cross-entropy/ },
  { name: 'fractional seed', file: 'seed.yml', content: 'model: mnist-mlp\ndata: mnist\nseed: 1.5\n', key: 'seed', says: /expected an integer, got 1\.5/ },
  { name: 'lrFind with zero iterations', file: 'lrfind.json', content: { ...ok, lrFind: { numIt: 0 } }, key: 'lrFind.numIt', says: /expected a positive integer, got 0/ },
  { name: 'a list instead of an object', file: 'list.json', content: [1, 2], key: '', says: /^expected an object \(the tapfit config\), got \[1,2\]$/ },
  { name: 'package.json whose "tapfit" key is not an object', file: 'package.json', content: { name: 'x', tapfit: 'oops' }, key: '', says: /expected an object \(the tapfit config\), got "oops"/ },
  { name: 'JSON syntax error', file: 'syntax.json', content: '{ "model": "mnist-mlp", }', key: '', says: /^cannot load the config: Expected double-quoted property name in JSON at position 24/ },
  { name: 'YAML syntax error', file: 'syntax.yaml', content: 'model: [unclosed\ndata: mnist\n', key: '', says: /cannot load the config: .*(flow|end of the stream|unexpected)/i },
  { name: 'TypeScript syntax error', file: 'syntax.config.ts', content: "const n: number = 1;\nexport default { model: 'mnist-mlp', data: ", key: '', says: /^cannot load the config: syntax error \(line 2, column 43\): Expression expected\.$/ },
  { name: 'JavaScript syntax error', file: '.tapfitrc.mjs', content: "export default { model: 'mnist-mlp' data: 'mnist' };", key: '', says: /^cannot load the config: syntax error \(line 1, column 37\): ',' expected\.$/ },
  { name: 'config module that throws', file: 'throws.config.mjs', content: "throw new Error('TAPFIT_DATA is not set');", key: '', says: /cannot load the config: TAPFIT_DATA is not set/ },
  { name: 'misspelt option of a built-in plugin', file: 'clip-typo.json', content: { ...ok, plugins: [['gradient-clip', { maxnorm: 0.1 }]] }, key: 'plugins[0][1].maxnorm', says: /^unknown key \(did you mean "maxNorm"\?\) \(an option of plugin "gradient-clip"\)$/ },
  { name: 'misspelt option of early-stopping', file: 'patience-typo.json', content: { ...ok, plugins: [['early-stopping', { patiense: 3 }]] }, key: 'plugins[0][1].patiense', says: /^unknown key \(did you mean "patience"\?\)/ },
  { name: 'built-in plugin option of the wrong type', file: 'clip-type.json', content: { ...ok, plugins: [['gradient-clip', { maxNorm: 'big' }]] }, key: 'plugins[0][1].maxNorm', says: /^expected number, got "big" \(an option of plugin "gradient-clip"\)$/ },
  { name: 'strict: an order constraint naming a plugin that is not loaded', file: 'strict.json', content: { ...ok, strict: true, plugins: [plugin('runs-before-typo')] }, key: 'plugins', says: /runBefore names "gradient-clp", which is not loaded \(did you mean "gradient-clip"\?\)/ },
  { name: 'strict given as a string', file: 'strict-type.json', content: { ...ok, strict: 'yes' }, key: 'strict', says: /^expected true or false, got "yes"$/ },
  { name: 'empty file', file: 'empty.json', content: '', key: '', says: /the file is empty/ },
  { name: 'unreadable file (a folder)', file: 'a-folder', key: '', says: /cannot read the file: it is not a regular file/, configArg: 'a-folder' },
  { name: 'an lr too large to be meant', file: 'lr-huge.json', content: { ...ok, fit: { lr: 1e308, epochs: 1 } }, key: 'fit.lr', says: /^expected a learning rate ≤ 1000, got 1e\+308$/ },
  { name: 'a hyper of an optimizer given as a string', file: 'hyper-string.json', content: { ...ok, optimizer: { steppers: ['sgd-step'], hypers: { lr: 'x' } } }, key: 'optimizer.hypers.lr', says: /^expected a number, a boolean, a number per group, or \{ start, end \}, got "x"$/ },
  { name: 'a YAML alias bomb', file: 'bomb.yaml', content: aliasBomb(), key: '', says: /^cannot load the config: the YAML expands to more than 100,000 values through its aliases/, withinMs: 5000 },
  { name: 'a YAML lrFind endLr of .inf', file: 'inf.yaml', content: 'model: mnist-mlp\ndata: mnist\nlrFind: { endLr: .inf }\n', key: 'lrFind.endLr', says: /expected a positive number, got Infinity/ },
  { name: 'file that does not exist', file: 'missing.json', key: '', says: /no such file/, configArg: 'missing.json' },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tapfit-bad-'));
  mkdirSync(path.join(dir, 'a-folder'));
  for (const c of CASES) {
    if (c.content === undefined) continue;
    const folder = path.join(dir, c.name.replace(/\W+/g, '-'));
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, c.file), typeof c.content === 'string' ? c.content : JSON.stringify(c.content, null, 2));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('invalid configs exit 2 with a message naming the file and the key', () => {
  it('covers more than 20 cases', () => {
    expect(CASES.length).toBeGreaterThan(20);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const cwd = c.configArg ? dir : path.join(dir, c.name.replace(/\W+/g, '-'));
      const io = bufferIO(cwd);
      const started = performance.now();
      const code = await main(['fit', '--quiet', '--config', c.configArg ?? c.file], io);
      expect(code, io.stderrText).toBe(2);
      if (c.withinMs) expect(performance.now() - started).toBeLessThan(c.withinMs);
      expect(io.stdoutText).toBe('');
      const lines = io.stderrText.split('\n');
      expect(lines[0]).toBe('tapfit: invalid config');
      const prefix = c.key ? `${c.file}: ${c.key}: ` : `${c.file}: `;
      const line = lines.find((l) => l.startsWith(prefix));
      expect(line, io.stderrText).toBeDefined();
      expect(line!.slice(prefix.length)).toMatch(c.says);
      // A message, not a stack trace.
      expect(io.stderrText).not.toMatch(/^\s+at /m);
    });
  }

  it('lists every problem of a file at once', async () => {
    const folder = path.join(dir, 'several');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'c.json'), JSON.stringify({ model: 1, fit: { epochs: -1, lr: 'x' }, extra: true }));
    const io = bufferIO(folder);
    expect(await main(['fit', '--config', 'c.json'], io)).toBe(2);
    for (const key of ['model', 'data', 'fit.epochs', 'fit.lr', 'extra']) expect(io.stderrText).toContain(`c.json: ${key}: `);
  });

  it('a discovered config that fails while loading is reported, not skipped for the next config up the tree', async () => {
    const project = path.join(dir, 'discovered');
    mkdirSync(path.join(project, 'sub'), { recursive: true });
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'p', type: 'module', tapfit: ok }));
    writeFileSync(
      path.join(project, 'sub', 'tapfit.config.mjs'),
      "import { readFileSync } from 'node:fs';\nexport default JSON.parse(readFileSync(new URL('./hparams.json', import.meta.url), 'utf8'));\n",
    );
    const io = bufferIO(path.join(project, 'sub'));
    expect(await main(['fit', '--quiet'], io)).toBe(2);
    expect(io.stderrText).toMatch(/^tapfit\.config\.mjs: cannot load the config: ENOENT: no such file or directory, open '.*hparams\.json'$/m);
  });

  it('--debug adds the stack of the cause', async () => {
    const c = CASES.find((x) => x.file === 'throws.config.mjs')!;
    const io = bufferIO(path.join(dir, c.name.replace(/\W+/g, '-')));
    expect(await main(['fit', '--debug', '--config', c.file], io)).toBe(2);
    expect(io.stderrText).toMatch(/^\s+at /m);
  });
});
