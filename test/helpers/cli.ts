import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { bufferIO } from '../../runtime/cli/io.ts';
import { main } from '../../runtime/cli/main.ts';

/** Temp folders for one test file, removed after it: `const { tempDir, withConfig } = cliFolders('tapfit-cli-')`. */
export function cliFolders(prefix: string) {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tempDir = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  /** Write `config` as `.tapfitrc.json` in a fresh folder (with package.json, so the search stops there). */
  const withConfig = (config: object): string => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'package.json'), '{ "name": "exp", "private": true }');
    writeFileSync(path.join(dir, '.tapfitrc.json'), JSON.stringify(config));
    return dir;
  };
  return { dirs, tempDir, withConfig };
}

/**
 * Writes `<dir>/<name>.json`: the small MNIST MLP on cpu (64 training and 32 validation images, batches of 32),
 * its output in `<dir>/<name>`, plus `extra` (plugins, optimizer, fit). Returns the file's path.
 */
export function mnistMlpConfig(dir: string, name: string, extra: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ model: 'mnist-mlp', data: ['mnist', { nTrain: 64, nValid: 32, batchSize: 32 }], backend: 'cpu', ...extra, output: path.join(dir, name) }),
  );
  return file;
}

/** Run the CLI in-process in `cwd`; its exit code and both streams. */
export async function runCli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const io = bufferIO(cwd);
  const code = await main(argv, io);
  return { code, out: io.stdoutText, err: io.stderrText };
}
