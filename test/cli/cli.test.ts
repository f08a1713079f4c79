import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliFolders, runCli } from '../helpers/cli.ts';

const { tempDir, withConfig } = cliFolders('tapfit-cli-');

const FIX = path.resolve('test/fixtures/configs');
const DEFAULT_CONFIG = path.join(FIX, 'default', '.tapfitrc.json');
const tinyMnist = ['mnist', { nTrain: 64, nValid: 32, batchSize: 32 }];

const run = (argv: string[], cwd = process.cwd()) => runCli(argv, cwd);

interface History {
  metricNames: string[];
  values: (number | null)[][];
  lrs: number[];
  losses: number[];
}
const readHistory = (dir: string): History => JSON.parse(readFileSync(path.join(dir, 'history.json'), 'utf8')) as History;

describe('tapfit --help and usage errors', () => {
  it('prints help for the program and every command, exit 0', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/Usage: tapfit/);
    for (const cmd of ['fit', 'lr-find', 'explain', 'plugins']) expect(top.out).toContain(cmd);
    expect(top.out).toMatch(/Exit codes: 0 success, 1 training error, 2 usage or config error/);
    const expected: Record<string, RegExp> = {
      fit: /--epochs <n>[\s\S]*--lr <x>[\s\S]*--quiet/,
      'lr-find': /--start-lr[\s\S]*--num-it/,
      explain: /--config <file>/,
      plugins: /built-in plugins/,
    };
    for (const [cmd, re] of Object.entries(expected)) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(re);
    }
    expect((await run(['--version'])).out).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 on no command, an unknown command, an unknown option or a bad option value', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/Usage: tapfit/);
    const unknown = await run(['fitt']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command 'fitt'[\s\S]*fit/);
    expect((await run(['fit', '--epoch', '2'])).code).toBe(2);
    const epochs = await run(['fit', '--epochs', 'three']);
    expect(epochs.code).toBe(2);
    expect(epochs.err).toMatch(/--epochs <n>.*expected a positive integer, got "three"/);
    const lr = await run(['fit', '--lr', '0']);
    expect(lr.code).toBe(2);
    expect(lr.err).toMatch(/expected a positive number, got "0"/);
  });

  it('refuses --epochs for an sgdr config (exit 2), naming the config', async () => {
    const dir = withConfig({ model: 'mnist-mlp', data: tinyMnist, fit: { method: 'sgdr', cycles: 1 } });
    const r = await run(['fit', '--epochs', '2'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--epochs does not apply to fit.method "sgdr" in \.tapfitrc\.json/);
  });
});

describe('tapfit fit', () => {
  it('trains the found config, shows the epoch table, writes history.json (exit 0)', async () => {
    const dir = withConfig({ model: 'mnist-mlp', data: tinyMnist, metrics: ['accuracy'], fit: { epochs: 1, lr: 0.01 } });
    const r = await run(['fit'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^epoch\s+train_loss\s+valid_loss\s+accuracy\s+time$/m);
    expect(r.out).toMatch(/^0\s+\d+\.\d{6}\s+\d+\.\d{6}\s+0\.\d{6}\s+\d\d:\d\d$/m);
    expect(r.out).toContain(`history written to ${path.join('out', 'history.json')}`);
    const h = readHistory(path.join(dir, 'out'));
    expect(h.metricNames).toEqual(['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time']);
    expect(h.values).toHaveLength(1);
    expect(h.lrs).toHaveLength(2); // 64 items / 32 per batch
    // oneCycle starts at lrMax / div (25).
    expect(h.lrs[0]).toBeCloseTo(0.01 / 25, 8);
  });

  it('files named in plugin options resolve from the config\'s folder, not the working folder', async () => {
    const dir = withConfig({
      model: 'mnist-mlp',
      data: tinyMnist,
      plugins: [['save-model', { dir: 'ckpt' }], ['csv-logger', { fname: 'logs/history.csv' }]],
      fit: { method: 'fit', epochs: 1, lr: 0.01 },
    });
    const elsewhere = tempDir();
    const r = await run(['fit', '--config', path.join(dir, '.tapfitrc.json'), '--quiet'], elsewhere);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(path.join(dir, 'ckpt', 'last.tapfit'))).toBe(true);
    expect(readFileSync(path.join(dir, 'logs', 'history.csv'), 'utf8').split('\n')[0]).toBe('epoch,train_loss,valid_loss,time');
    expect(existsSync(path.join(elsewhere, 'ckpt'))).toBe(false);
    expect(existsSync(path.join(elsewhere, 'logs'))).toBe(false);
  });

  it('--epochs, --lr, --output and --quiet override the config', async () => {
    const dir = withConfig({ model: 'mnist-mlp', data: tinyMnist, fit: { method: 'fit', epochs: 1, lr: 0.01 } });
    const out = path.join(dir, 'elsewhere');
    const r = await run(['fit', '--epochs', '2', '--lr', '0.05', '--output', out, '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('');
    const h = readHistory(out);
    expect(h.values).toHaveLength(2);
    expect(h.lrs).toEqual([0.05, 0.05, 0.05, 0.05]);
  });

  it('builds model and data from module paths, a stepper list and a plugin with options, relative to the config', async () => {
    const dir = tempDir();
    const rel = (p: string) => `./${path.relative(dir, p).split(path.sep).join('/')}`;
    writeFileSync(
      path.join(dir, 'exp.json'),
      JSON.stringify({
        model: [rel(path.join(FIX, 'modules', 'tiny-model.ts')), { units: 2 }],
        data: [rel(path.join(FIX, 'modules', 'tiny-data.ts')), { n: 8 }],
        optimizer: { steppers: ['weight-decay', 'sgd-step'], hypers: { wd: 0.01 } },
        plugins: [[rel(path.join(FIX, 'plugins', 'scaled-loss.ts')), { factor: 2, note: 'doubled' }]],
        fit: { method: 'fit', epochs: 1, lr: 0.1 },
        output: 'results',
      }),
    );
    const r = await run(['fit', '--config', 'exp.json'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('scaled-loss: doubled by 2');
    expect(existsSync(path.join(dir, 'results', 'history.json'))).toBe(true);
  });

  for (const fit of [{ method: 'flatCos', epochs: 1, pctStart: 0.25 }, { method: 'sgdr', cycles: 2, cycleLen: 1, cycleMult: 1 }]) {
    it(`runs fit.method "${fit.method}"`, async () => {
      const dir = withConfig({ model: 'mnist-mlp', data: tinyMnist, fit: { ...fit, lr: 0.01 } });
      const r = await run(['fit', '--quiet'], dir);
      expect(r.code, r.err).toBe(0);
      const h = readHistory(path.join(dir, 'out'));
      expect(h.values).toHaveLength(fit.method === 'sgdr' ? 2 : 1);
      // Both schedules start at the top lr and go down.
      expect(h.lrs[0]).toBeCloseTo(0.01, 8);
      expect(h.lrs.at(-1)!).toBeLessThan(0.01);
    });
  }

  it('exits 1 when training fails, naming the plugin and the event, without a stack', async () => {
    const dir = withConfig({ model: 'mnist-mlp', data: tinyMnist, plugins: [path.join(FIX, 'plugins', 'explodes.ts')], fit: { epochs: 1 } });
    const r = await run(['fit', '--quiet'], dir);
    expect(r.code).toBe(1);
    expect(r.err).toBe('tapfit: training failed [E_PLUGIN_FAILED]: plugin "explodes" failed on event "afterBatch" (epoch 0, train iter 1): boom on purpose');
  });
});

describe('tapfit lr-find', () => {
  it('prints the suggestions and writes the plot', async () => {
    const dir = withConfig({ model: 'mnist-mlp', data: ['mnist', { nTrain: 96, nValid: 16, batchSize: 8 }], lrFind: { numIt: 12, endLr: 1 } });
    const r = await run(['lr-find', '--start-lr', '1e-5'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^suggested learning rates:$/m);
    for (const name of ['valley', 'minimum', 'steep', 'slide']) expect(r.out).toMatch(new RegExp(`^  ${name}\\s+(\\d\\.\\d\\de[-+]\\d+|n/a)$`, 'm'));
    const svg = readFileSync(path.join(dir, 'out', 'lr-find.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
  });
});

describe('tapfit plugins', () => {
  it('lists built-in plugins and steppers with their order constraints and options', async () => {
    const r = await run(['plugins']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^  recorder {2}\[order 50\]$/m);
    expect(r.out).toMatch(/^  progress {2}\[order 60; runAfter: recorder\]$/m);
    expect(r.out).toMatch(/^ +beta\?: number ≥ 0 < 1 = 0\.98$/m);
    expect(r.out).toMatch(/^  one-cycle {2}\[order 60; runAfter: recorder; not in validation\]$/m);
    expect(r.out).toMatch(/^  sgd-step {2}\[order 10\]$/m);
    expect(r.out).toMatch(/^  adam-step {2}\[order 10; runAfter: average-grad, average-sqr-grad, step-stat\]$/m);
    expect(r.out).toMatch(/^  weight-decay {2}\[order -20\]\n {6}defaults: wd=0$/m);
  });
});

describe('the default config', () => {
  it('is found from the working directory (no --config)', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', tapfit: JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')) }));
    const r = await run(['explain'], path.join(dir, 'sub'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`config: ${path.join(dir, 'package.json')}`);
  });
});
