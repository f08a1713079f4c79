import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../runtime/data/rng.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = 'test/fixtures/chaos/child.ts';

export type ChaosModel = 'mlp' | 'cnn' | 'lstm';

export interface ChaosOptions {
  model: ChaosModel;
  /** How many SIGKILLs to deliver (fewer if the run ends first). */
  kills: number;
  seed: number;
  /** A fresh folder for this run. */
  work: string;
}

export interface ChaosReport {
  model: ChaosModel;
  kills: number;
  /** Kills aimed at a checkpoint write (sent the moment the child announced it). */
  killsAtSave: number;
  /** Kills that provably landed inside a write: they left the write's temporary file behind. */
  killsInsideWrite: number;
  /** Processes started (the first run and every resume). */
  starts: number;
  /** Whether the resumed run's final state equals the uninterrupted run's, bit for bit. */
  identical: boolean;
  /** The parts that differ, if any. */
  differences: string[];
  /** Stray temporary files left in the checkpoint folder at the end. */
  strayTmp: number;
  ms: number;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the child; `killAt(line)` decides, for each stdout line, whether to SIGKILL it now. */
function runChild(model: ChaosModel, dir: string, resume: boolean, killAt: (line: string) => number | null): Promise<Exit> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, model, dir, ...(resume ? ['--resume'] : [])], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let pending = '';
  let killing = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const delay = killing ? null : killAt(line);
      if (delay === null) continue;
      killing = true;
      if (delay === 0) child.kill('SIGKILL');
      else setTimeout(() => child.kill('SIGKILL'), delay);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const tmpFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.tmp')) : []);

function compare(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

export interface Reference {
  /** The uninterrupted run's `final.json`. */
  summary: Record<string, unknown>;
  /** How long a checkpoint save takes, as seen from here (median time from `SAVE n` to `STEP n`). */
  saveMs: number;
}

export async function referenceRun(model: ChaosModel, work: string): Promise<Reference> {
  const dir = path.join(work, `${model}-reference`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const saves: number[] = [];
  let saveStart = 0;
  const exit = await runChild(model, dir, false, (line) => {
    if (line.startsWith('SAVE ')) saveStart = performance.now();
    if (line.startsWith('STEP ')) saves.push(performance.now() - saveStart);
    return null;
  });
  if (exit.code !== 0) throw new Error(`reference run of ${model} failed (${exit.code}):\n${exit.stderr}`);
  saves.sort((a, b) => a - b);
  return {
    summary: JSON.parse(readFileSync(path.join(dir, 'final.json'), 'utf8')) as Record<string, unknown>,
    saveMs: saves[Math.floor(saves.length / 2)] ?? 1,
  };
}

/**
 * Kills the run with SIGKILL at seeded random moments and resumes it until it ends. The moments are training
 * batches drawn without replacement; at each, with even odds, the kill is sent during the batch's checkpoint
 * save (a random fraction of a save's duration after the child announces it: while the state is captured,
 * written, or renamed into place), or 0–30 ms after the save (mid-batch).
 */
export async function chaosRun(options: ChaosOptions, ref: Reference): Promise<ChaosReport> {
  const reference = ref.summary;
  const started = Date.now();
  const rng = new Rng(options.seed);
  const dir = path.join(options.work, `${options.model}-chaos-${options.seed}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const total = (reference.trainIter as number) - 1;
  const targets = new Set<number>();
  while (targets.size < Math.min(options.kills, total)) targets.add(1 + Math.floor(rng.next() * total));
  const plan = [...targets].sort((x, y) => x - y).map((at) => {
    const atSave = rng.next() < 0.5;
    const u = rng.next();
    return { at, atSave, delay: atSave ? Math.floor(u * ref.saveMs) : 1 + Math.floor(u * 30) };
  });
  let kills = 0;
  let killsAtSave = 0;
  let killsInsideWrite = 0;
  let starts = 0;
  /** The next kill of the plan; a kill lands a few batches late, so the run may resume past a target (skipped). */
  let k = 0;
  for (;;) {
    starts += 1;
    let sent: (typeof plan)[number] | null = null;
    const exit = await runChild(options.model, dir, starts > 1, (line) => {
      const [word, n] = line.split(' ');
      if (word !== 'SAVE' && word !== 'STEP') return null;
      while (plan[k] && Number(n) > plan[k].at) k += 1;
      const next = plan[k];
      if (!next || Number(n) !== next.at || (word === 'SAVE') !== next.atSave) return null;
      sent = next;
      k += 1;
      return next.delay;
    });
    if (exit.code === 0) break;
    const killed = sent as (typeof plan)[number] | null;
    if (exit.signal !== 'SIGKILL' || !killed) throw new Error(`the ${options.model} run failed (code ${exit.code}, ${exit.signal}):\n${exit.stderr}`);
    if (starts > 3 * options.kills + 3) throw new Error('the chaos run does not finish');
    kills += 1;
    if (killed.atSave) killsAtSave += 1;
    if (tmpFiles(dir).length) killsInsideWrite += 1;
  }
  const final = JSON.parse(readFileSync(path.join(dir, 'final.json'), 'utf8')) as Record<string, unknown>;
  const differences = compare(reference, final);
  return {
    model: options.model,
    kills,
    killsAtSave,
    killsInsideWrite,
    starts,
    identical: differences.length === 0,
    differences,
    strayTmp: tmpFiles(dir).length,
    ms: Date.now() - started,
  };
}
