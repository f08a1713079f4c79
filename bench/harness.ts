/**
 * Timing helpers shared by the benchmarks: alternate the contenders round by round after a warm-up (so load
 * from other processes hits them alike), then summarise with medians, spread and paired ratios.
 */
import { cpus, loadavg } from 'node:os';

/**
 * What a sample measures: `cpu` (default), the CPU time of this process (user + system, all its threads), which
 * other processes on a shared machine disturb far less than the wall clock; or `wall` (`BENCH_CLOCK=wall`).
 * tfjs on cpu/wasm computes synchronously on this thread, so on an idle machine the two agree.
 */
export const CLOCK: 'cpu' | 'wall' = process.env.BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';

/** Now, in milliseconds, on {@link CLOCK}. */
export function clockMs(): number {
  if (CLOCK === 'wall') return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * What a contender that runs in another process (a PyTorch peer) returns: its own CPU and wall time for the
 * unit, which replace this process's measurement of the call.
 */
export interface SelfTimed {
  selfTimed: true;
  cpuMs: number;
  wallMs: number;
}

function isSelfTimed(x: unknown): x is SelfTimed {
  return typeof x === 'object' && x !== null && (x as SelfTimed).selfTimed === true;
}

/** One contender: `run` does one timed unit (an epoch, a step, a million events…) and may be async. */
export interface Contender {
  key: string;
  label: string;
  /** Returns a {@link SelfTimed} when the work happens in another process. */
  run: () => unknown;
  /** Run in these rounds only (e.g. a very slow baseline timed in a few rounds); default: every round. */
  rounds?: readonly number[];
  /** With `rounds`: still run in the warm-up rounds (default: not, for baselines too slow to run twice). */
  warmup?: boolean;
}

export interface Timings {
  /** Milliseconds per round on {@link CLOCK}, by contender key (rounds where a contender did not run are absent). */
  ms: Record<string, number[]>;
  /** Wall-clock milliseconds per round, whatever the clock. */
  wallMs: Record<string, number[]>;
  /** For each round, the contender times by key, to form paired ratios. */
  perRound: Record<string, number>[];
  /** The same on the wall clock. */
  perRoundWall: Record<string, number>[];
}

/**
 * Runs `warmup` untimed rounds, then `rounds` timed ones; each round runs every contender once, the order
 * rotating from round to round so none always runs first (or right after the same neighbour).
 */
export async function alternate(contenders: readonly Contender[], options: { rounds: number; warmup: number; onRound?: (round: number) => void }): Promise<Timings> {
  const ms: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.key, [] as number[]]));
  const wallMs: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.key, [] as number[]]));
  const perRound: Record<string, number>[] = [];
  const perRoundWall: Record<string, number>[] = [];
  for (let r = -options.warmup; r < options.rounds; r++) {
    const shift = ((r % contenders.length) + contenders.length) % contenders.length;
    const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
    const row: Record<string, number> = {};
    const wallRow: Record<string, number> = {};
    for (const c of order) {
      if (r >= 0 && c.rounds && !c.rounds.includes(r)) continue;
      if (r < 0 && c.rounds && !c.warmup) continue; // a sampled baseline has no separate warm-up: it is too slow to run twice
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const result = await c.run();
      let wall = performance.now() - t0;
      const used = process.cpuUsage(c0);
      let t = CLOCK === 'cpu' ? (used.user + used.system) / 1000 : wall;
      if (isSelfTimed(result)) {
        wall = result.wallMs;
        t = CLOCK === 'cpu' ? result.cpuMs : result.wallMs;
      }
      if (r >= 0) {
        ms[c.key].push(t);
        wallMs[c.key].push(wall);
        row[c.key] = t;
        wallRow[c.key] = wall;
      }
    }
    if (r >= 0) {
      perRound.push(row);
      perRoundWall.push(wallRow);
    }
    options.onRound?.(r);
  }
  return { ms, wallMs, perRound, perRoundWall };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Half the min–max range relative to the median, in percent: a plain "±" for a handful of samples. */
export function spreadPct(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  return ((Math.max(...xs) - Math.min(...xs)) / 2 / median(xs)) * 100;
}

/** Median over rounds of `num/den` measured in the same round (robust to load that drifts between rounds). */
export function pairedRatio(t: Timings, num: string, den: string): { ratio: number; min: number; max: number; n: number } {
  const rs = t.perRound.filter((r) => r[num] !== undefined && r[den] !== undefined).map((r) => r[num] / r[den]);
  return { ratio: median(rs), min: Math.min(...rs), max: Math.max(...rs), n: rs.length };
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '−' : '';
  const a = Math.abs(ms);
  if (a >= 9_950) return `${sign}${(a / 1000).toFixed(1)} s`;
  if (a >= 100) return `${sign}${a.toFixed(0)} ms`;
  if (a >= 1) return `${sign}${a.toFixed(1)} ms`;
  return `${sign}${(a * 1000).toFixed(0)} µs`;
}

/** A difference with its sign: `+31 µs`, `−20 µs`. */
export function fmtDelta(ms: number): string {
  return ms >= 0 ? `+${fmtMs(ms)}` : fmtMs(ms);
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '—';
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(3)}×`;
}

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A goal line for the summary at the top of RESULTS.md. */
export interface Goal {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
  /** Why it is (not) met, or what the number depends on. */
  note?: string;
}

/** What each benchmark hands back to `run-all`. */
export interface BenchResult {
  title: string;
  markdown: string;
  goals: Goal[];
}

export function machine(): { node: string; cpu: string; cores: number; load: string } {
  const list = cpus();
  return {
    node: process.version,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(' / '),
  };
}

/** Resident set size in MiB. */
export function rssMiB(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

/** Lets the event loop and GC settle a little between phases. */
export async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 10));
}

/** `BENCH_QUICK=1`: a smoke run with the fewest rounds, to check the harness (numbers are not meaningful). */
export const QUICK = process.env.BENCH_QUICK === '1';
