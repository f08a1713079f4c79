/**
 * `npm run bench`: every benchmark in one process, each racing tapfit against its baseline (alternating, after a
 * warm-up), then a summary of the goals. Prints the report and writes it to `bench/RESULTS.md`.
 * `BENCH_QUICK=1 npm run bench` is a smoke run of the harness (one round each; its numbers mean nothing) and
 * writes its report to the temp folder instead. Never part of `npm test`.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOCK, QUICK, machine, table, type BenchResult, type Goal } from './harness.ts';
import { initBackend } from '../runtime/backend/index.ts';
import { runHooksBench } from './hooks.ts';
import { runLearnerBench } from './learner.ts';
import { runScalingBench } from './scaling.ts';
import { runTorchBench } from './torch.ts';

const log = (m: string) => process.stderr.write(`${m}\n`);
const started = performance.now();
const before = machine();
const require = createRequire(import.meta.url);
const version = (pkg: string): string => (require(`${pkg}/package.json`) as { version: string }).version;

/** Runs one benchmark; a failure becomes its section's text instead of ending the run. */
async function section(title: string, run: () => Promise<BenchResult>): Promise<BenchResult> {
  log(`▶ ${title}`);
  const t0 = performance.now();
  try {
    const r = await run();
    log(`  done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return r;
  } catch (error) {
    log(`  FAILED: ${(error as Error).stack ?? error}`);
    return { title, markdown: `**Failed:** \`${(error as Error).message ?? error}\``, goals: [{ name: title, target: 'runs', measured: 'failed', met: false }] };
  }
}

/** A benchmark owned elsewhere that returns markdown only; loaded by a variable path so a missing file is reported, not a type error. */
async function external(file: string, exportName: string): Promise<string> {
  const mod = (await import(file)) as Record<string, () => Promise<string>>;
  const run = mod[exportName];
  if (typeof run !== 'function') throw new Error(`${file} does not export ${exportName}()`);
  return run();
}

/** The optimizer table's rows end with `| <ratio>× |`: one goal per row (≤ 1.1×). */
function optimizerGoals(markdown: string): Goal[] {
  const goals: Goal[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*(.+?)\s*\|.*\|\s*([\d.]+)×\s*\|\s*$/.exec(line);
    if (!m) continue;
    const ratio = Number(m[2]);
    goals.push({ name: `optimizer: ${m[1]}`, target: '≤ 1.1×', measured: `${ratio.toFixed(3)}×`, met: ratio <= 1.1 });
  }
  return goals;
}

const backend = await initBackend('wasm');
const learner = await section('1. Learner vs the limit vs the peer', () => runLearnerBench(log));
const hooks = await section('2. Hook dispatch', () => runHooksBench(log));
const scaling = await section('5. Scaling', () => runScalingBench(log));
const optimizer = await section('3. Optimizer (bench/optimizer.ts)', async () => {
  const markdown = await external('./optimizer.ts', 'runOptimizerBench');
  return { title: '3. Optimizer: composed steppers vs tfjs built-ins (1M parameters)', markdown, goals: optimizerGoals(markdown) };
});
const torch = await section('6. tapfit vs PyTorch (bench/torch.ts)', () => runTorchBench(log));
// Last: it switches backends and kernels.
const backends = await section('4. Backends and kernels (bench/backends.ts)', async () => ({
  title: '4. Backends and kernels (MNIST CNN and LSTM LM step; top kernels)',
  markdown: await external('./backends.ts', 'runBackendsBench'),
  goals: [],
}));

const results = [learner, hooks, optimizer, backends, scaling, torch];
const goals = results.flatMap((r) => r.goals);
const after = machine();
const minutes = (performance.now() - started) / 60_000;
const mark = (met: boolean | null) => (met === null ? '—' : met ? '✅ met' : '❌ not met');

const report = [
  '# tapfit benchmarks',
  '',
  ...(QUICK ? ['> **Smoke run (`BENCH_QUICK=1`): one round each, the numbers are not meaningful.**', ''] : []),
  `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` (${minutes.toFixed(1)} min): Node ${before.node}, ${before.cpu} × ${before.cores} cores, ` +
    `@tensorflow/tfjs ${version('@tensorflow/tfjs')}. Backend: \`${backend}\` with tapfit's kernels — what \`backend: 'auto'\` picks without tfjs-node — unless a row says otherwise ` +
    `(@tensorflow/tfjs-backend-wasm ${version('@tensorflow/tfjs-backend-wasm')}, SIMD, one thread under Node).`,
  '',
  CLOCK === 'cpu'
    ? "Times are this process's CPU time (user + system) per sample, which neighbours on a shared machine disturb far less than the wall clock; tfjs on `wasm`/`cpu` computes synchronously on the main thread, so on an idle machine the two agree (`BENCH_CLOCK=wall npm run bench` for wall-clock)."
    : 'Times are wall-clock (`BENCH_CLOCK=wall`).',
  '',
  `**This was measured on a shared ${before.cores}-core machine while other processes ran** (load average ${before.load} at the start, ${after.load} at the end, ` +
    'for 1, 5, 15 min). Absolute times are therefore pessimistic and noisy; the ratios are sturdier, because the contenders of each benchmark alternate ' +
    'round by round after a warm-up and every ratio is the median of per-round ratios (except the PyTorch goals: best epoch ÷ best epoch, for the reason §6 gives).',
  '',
  `Reproduce: \`npm run bench\` (all of it, ~${Math.ceil(minutes)} min here), or one benchmark alone: \`npx tsx bench/learner.ts\` (also \`hooks\`, \`optimizer\`, \`backends\`, \`scaling\`), or \`npm run bench:torch\` for the PyTorch comparison alone (it needs Debian's \`python3-torch\`: \`apt-get install -y python3-torch\`; without it the section says so and skips the peer).`,
  '',
  '## Summary',
  '',
  `${goals.filter((g) => g.met === true).length} of ${goals.length} goals met.`,
  '',
  table(['goal', 'target', 'measured', 'status', 'why / note'], goals.map((g) => [g.name, g.target, g.measured, mark(g.met), g.note ?? ''])),
  '',
  ...results.flatMap((r) => [`## ${r.title}`, '', r.markdown, '']),
].join('\n');

console.log(report);
const out = QUICK ? path.join(tmpdir(), 'tapfit-RESULTS.quick.md') : fileURLToPath(new URL('./RESULTS.md', import.meta.url));
writeFileSync(out, report);
log(`wrote ${out} (${minutes.toFixed(1)} min)`);
