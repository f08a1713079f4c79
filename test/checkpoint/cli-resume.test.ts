import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../runtime/cli/main.ts';
import { bufferIO } from '../../runtime/cli/io.ts';
import { mnistMlpConfig } from '../helpers/cli.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-cli-resume-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function config(name: string, plugins: unknown[]): string {
  return mnistMlpConfig(work, name, { plugins, fit: { method: 'oneCycle', epochs: 2, lr: 0.01 } });
}

describe('tapfit fit --resume', () => {
  it("continues from save-model's folder; resuming a finished run trains nothing and keeps the history", async () => {
    const ckpt = path.join(work, 'ckpt');
    const cfg = config('run', [['save-model', { dir: ckpt }]]);
    const io = bufferIO(work);
    expect(await main(['fit', '--config', cfg, '--quiet'], io), io.stderrText).toBe(0);
    expect(existsSync(path.join(ckpt, 'last.tapfit'))).toBe(true);
    const history = readFileSync(path.join(work, 'run', 'history.json'), 'utf8');

    const again = bufferIO(work);
    expect(await main(['fit', '--config', cfg, '--quiet', '--resume'], again), again.stderrText).toBe(0);
    expect(readFileSync(path.join(work, 'run', 'history.json'), 'utf8')).toBe(history);
  });

  it('a missing checkpoint is a training error naming the folder', async () => {
    const cfg = config('none', []);
    const io = bufferIO(work);
    expect(await main(['fit', '--config', cfg, '--quiet', '--resume'], io)).toBe(1);
    expect(io.stderrText).toMatch(/training failed \[E_CHECKPOINT\]: checkpoint .*none.checkpoints: no checkpoint there \(neither a file nor a folder holding last\.tapfit\)/);
  });

  it('documents the flag and exit code 130', async () => {
    const io = bufferIO(work);
    await main(['fit', '--help'], io);
    expect(io.stdoutText).toContain('--resume [dir]');
  });
});
