import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildRun {
  child: ChildProcess;
  /** Resolves with the first stdout line starting with `marker` (e.g. `READY 1234`). */
  waitFor(marker: string): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>;
}

/** `npx tsx test/fixtures/resume/<script>.ts …args` in the repository root. */
export function runFixture(script: string, args: readonly string[]): ChildRun {
  const started = Date.now();
  const child = spawn('npx', ['tsx', `test/fixtures/resume/${script}.ts`, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { marker: string; resolve: (line: string) => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of [...waiters]) {
      const line = stdout.split('\n').find((l) => l.startsWith(w.marker));
      if (line) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return {
    child,
    exited,
    waitFor: (marker) =>
      new Promise((resolve, reject) => {
        const seen = stdout.split('\n').find((l) => l.startsWith(marker));
        if (seen) return resolve(seen);
        waiters.push({ marker, resolve });
        void exited.then((r) => reject(new Error(`child exited (code ${r.code}) before printing ${marker}:\n${r.stdout}\n${r.stderr}`)));
      }),
  };
}

/** The pid printed after the marker: under `npx tsx` the script runs in a grandchild of the spawned process. */
export const pidOf = (line: string) => Number(line.split(' ')[1]);
