import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The bin from the sources, through tsx (the built one, dist/runtime/cli/bin.js, is run by test/package/).
const BIN = path.resolve('runtime/cli/bin.ts');
const NODE_ARGS = ['--import', import.meta.resolve('tsx')];
// The repository's tsconfig maps `tapfit` to the sources (its `paths`), wherever the child runs.
const ENV = { ...process.env, TSX_TSCONFIG_PATH: path.resolve('tsconfig.json') };
const FIX = path.resolve('test/fixtures/configs');
const run = promisify(execFile);

/** Run the real `tapfit` bin in a child process; never throws, returns the exit code and both streams. */
async function tapfit(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...NODE_ARGS, BIN, ...args], { cwd, timeout: 60_000, env: ENV });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: e.stdout ?? '', err: e.stderr ?? '' };
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'tapfit-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the tapfit bin (child process)', () => {
  it('--help exits 0', async () => {
    const r = await tapfit(['--help'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Usage: tapfit \[options\] \[command\]/);
  });

  it('an invalid config exits 2 with the file and key named, no stack trace', async () => {
    writeFileSync(path.join(dir, 'tapfit.config.json'), JSON.stringify({ model: 'mnist-mlp', data: 'mnist', fit: { epochs: 'three' } }));
    const r = await tapfit(['fit', '--config', 'tapfit.config.json'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('tapfit: invalid config\ntapfit.config.json: fit.epochs: expected a positive integer, got "three"\n');
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(r.out).toBe('');
  });

  it('a TypeScript config with a syntax error exits 2 naming the file', async () => {
    writeFileSync(path.join(dir, 'broken.config.ts'), "export default { model: 'mnist-mlp', data: ");
    const r = await tapfit(['explain', '--config', 'broken.config.ts'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^broken\.config\.ts: cannot load the config: syntax error \(line 1, column 43\): Expression expected\.$/m);
    expect(r.err).not.toMatch(/^\s+at /m);
  });

  it('a failing training run exits 1', async () => {
    const config = { model: 'mnist-mlp', data: ['mnist', { nTrain: 64, nValid: 32, batchSize: 32 }], plugins: [path.join(FIX, 'plugins', 'explodes.ts')] };
    writeFileSync(path.join(dir, 'explodes.json'), JSON.stringify(config));
    const r = await tapfit(['fit', '--quiet', '--config', 'explodes.json', '--output', path.join(dir, 'out')], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain('tapfit: training failed [E_PLUGIN_FAILED]: plugin "explodes" failed on event "afterBatch" (epoch 0, train iter 1): boom on purpose');
    expect(r.err).not.toMatch(/^\s+at /m);
  });

  it('trains examples/config-driven with the third-party plugin loaded by package name', async () => {
    const out = path.join(dir, 'config-driven');
    const r = await tapfit(['fit', '--config', 'examples/config-driven/tapfit.config.ts', '--epochs', '1', '--output', out], process.cwd());
    expect(r.code, r.err).toBe(0);
    // The epoch table, and the plugin's own report: it trained on the smoothed loss, which differs from the plain one.
    expect(r.out).toMatch(/^epoch\s+train_loss\s+valid_loss\s+accuracy\s+time$/m);
    const report = /^label-smoothing: epoch 0 trained on smoothed loss (\d+\.\d{4}) \(eps 0\.1; plain cross-entropy (\d+\.\d{4})\)$/m.exec(r.out);
    expect(report, r.out).not.toBeNull();
    expect(Number(report![1])).not.toBe(Number(report![2]));
    const history = JSON.parse(readFileSync(path.join(out, 'history.json'), 'utf8')) as { values: unknown[] };
    expect(history.values).toHaveLength(1);
  });

  it('explains examples/config-driven: label-smoothing taps afterLoss', async () => {
    const r = await tapfit(['explain'], path.resolve('examples/config-driven'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^config: tapfit\.config\.ts$/m);
    expect(r.out).toMatch(/^ {2}afterLoss +label-smoothing$/m);
    expect(r.out).toMatch(/^plugins \(resolved order\): label-smoothing, recorder, progress, param-scheduler$/m);
  });
});
