/**
 * A PyTorch peer process (bench/peers/*.py) driven line by line: each `epoch()` asks for one epoch and gets back
 * the peer's own CPU and wall time for it, so the benchmark can alternate it with tapfit round by round.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SelfTimed } from '../harness.ts';

/** Pythons to try, in order: the one on PATH may be a pyenv/venv one without Debian's dist-packages. */
const PYTHONS = process.env.BENCH_PYTHON ? [process.env.BENCH_PYTHON] : ['python3', '/usr/bin/python3'];
let PYTHON = PYTHONS[0]!;

/** How to get the peer where it is missing. */
export const TORCH_INSTALL_HINT = 'install Debian\'s PyTorch (CPU) with `apt-get install -y python3-torch` (or point BENCH_PYTHON at a python with torch)';

/** torch's version when `python3 -c 'import torch'` works, else why not. */
export function torchAvailable(): { ok: true; version: string; python: string } | { ok: false; why: string } {
  const whys: string[] = [];
  for (const python of PYTHONS) {
    const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.error) whys.push(`${python} did not run (${r.error.message})`);
    else if (r.status !== 0) whys.push(`${python} cannot import torch and numpy (${(r.stderr.trim().split('\n').at(-1) ?? '').slice(0, 120)})`);
    else {
      PYTHON = python;
      return { ok: true, version: r.stdout.trim(), python };
    }
  }
  return { ok: false, why: whys.join('; ') };
}

export interface EpochResult extends SelfTimed {
  loss: number;
  acc: number;
}

export class TorchPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  private readonly queued: string[] = [];
  private stderr = '';
  info: Record<string, unknown> = {};

  private constructor(script: string, dataDir: string, threads: number) {
    const file = fileURLToPath(new URL(`./${script}`, import.meta.url));
    // Also cap OpenMP/MKL themselves: set_num_threads alone leaves some pools at the machine's core count. And
    // idle OpenMP threads sleep: by default they spin after each parallel region, and a 2-thread peer spinning
    // between its epochs slowed the contender running next to it (2.4× the CPU time of the 1-thread peer, on
    // this machine's two hyperthreads).
    const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' };
    this.child = spawn(PYTHON, [file, dataDir, String(threads)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => {
      const waiter = this.pending.shift();
      if (waiter) waiter(line);
      else this.queued.push(line);
    });
  }

  /** Starts `script` (in bench/peers) on `dataDir` with `threads` torch threads; resolves once it is set up. Call {@link torchAvailable} first: it picks the python. */
  static async start(script: string, dataDir: string, threads: number): Promise<TorchPeer> {
    const peer = new TorchPeer(script, dataDir, threads);
    peer.info = JSON.parse(await peer.next()) as Record<string, unknown>;
    return peer;
  }

  async epoch(): Promise<EpochResult> {
    this.child.stdin.write('epoch\n');
    const r = JSON.parse(await this.next()) as { cpu_ms: number; wall_ms: number; loss: number; acc: number; error?: string };
    if (r.error) throw new Error(`torch peer: ${r.error}`);
    return { selfTimed: true, cpuMs: r.cpu_ms, wallMs: r.wall_ms, loss: r.loss, acc: r.acc };
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end('quit\n');
    await exited;
  }

  private next(): Promise<string> {
    const line = this.queued.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`torch peer exited (${code}): ${this.stderr.trim().slice(-600)}`));
      this.child.once('exit', onExit);
      this.pending.push((l) => {
        this.child.off('exit', onExit);
        resolve(l);
      });
    });
  }
}
