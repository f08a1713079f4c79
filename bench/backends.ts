/**
 * Training-step time per backend: stock cpu, cpu with tapfit's kernels, wasm with only the two kernels it lacks
 * filled in, and wasm with all of tapfit's kernels, for a small MNIST CNN and an embedding + LSTM. Medians over a
 * few steps after a warm-up step; the slow stock rows take as few steps as fit the time budget. Not a test:
 * `npx tsx bench/backends.ts` (about a minute on 2 idle cores).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { registerTapfitKernels, unregisterTapfitKernels } from '../runtime/backend/index.ts';

interface Workload {
  name: string;
  build(): { model: tf.LayersModel; x: tf.Tensor; y: tf.Tensor };
  setups: readonly Setup[];
}

interface Setup {
  backend: 'cpu' | 'wasm';
  label: string;
  /** tapfit kernels left out (stock ones used); `'all'` for none of tapfit's. */
  without: 'all' | readonly string[];
}

interface Row {
  workload: string;
  setup: Setup;
  medianMs: number | undefined;
  /** The fastest step: on a shared machine, the least disturbed estimate. */
  bestMs: number | undefined;
  steps: number;
  note: string;
  topKernels: string;
}

const BATCH = 64;

const CPU_STOCK: Setup = { backend: 'cpu', label: 'cpu, stock kernels', without: 'all' };
const CPU_TAPFIT: Setup = { backend: 'cpu', label: 'cpu + tapfit kernels', without: [] };
const WASM_STOCK: Setup = { backend: 'wasm', label: 'wasm, stock kernels', without: 'all' };
const WASM_GAPS_ONLY: Setup = {
  backend: 'wasm',
  label: 'wasm + the 2 missing kernels only',
  without: [tf.Conv2DBackpropInput, tf.MaxPoolGrad, tf.BatchMatMul, tf.GatherV2, tf.Sum, tf.Slice, tf.SplitV, tf.Transpose],
};
const WASM_TAPFIT: Setup = { backend: 'wasm', label: 'wasm + tapfit kernels', without: [] };


/** The tfjs-examples MNIST CNN, a bit wider: conv 16@3×3 → pool → conv 32@3×3 → pool → dense 10. */
const mnistCnn: Workload = {
  name: 'MNIST CNN (28×28×1, batch 64)',
  build() {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10 }),
      ],
    });
    const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 2) as tf.Tensor1D, 10);
    return { model, x, y };
  },
  setups: [CPU_STOCK, CPU_TAPFIT, WASM_STOCK, WASM_GAPS_ONLY, WASM_TAPFIT],
};

/** Embedding (1000 × 32) → LSTM 32 over 16 tokens → dense 2. */
const embeddingLstm: Workload = {
  name: 'embedding + LSTM (16 tokens, batch 64)',
  build() {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 1000, outputDim: 32, inputLength: 16 }),
        tf.layers.lstm({ units: 32, recurrentInitializer: 'glorotUniform' }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const x = tf.randomUniform([BATCH, 16], 0, 1000, 'int32', 3);
    const y = tf.oneHot(tf.randomUniform([BATCH], 0, 2, 'int32', 4) as tf.Tensor1D, 2);
    return { model, x, y };
  },
  setups: [CPU_STOCK, CPU_TAPFIT, WASM_STOCK, WASM_TAPFIT],
};

async function use(setup: Setup): Promise<void> {
  await tf.setBackend(setup.backend);
  registerTapfitKernels(setup.backend);
  if (setup.without === 'all') unregisterTapfitKernels(setup.backend);
  else if (setup.without.length > 0) unregisterTapfitKernels(setup.backend, setup.without);
}

/** One SGD step (forward, tape, gradients, update), synchronous up to reading the loss. */
function makeStep(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): () => void {
  const optimizer = tf.train.sgd(0.01);
  return () => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
    loss?.dataSync();
    loss?.dispose();
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Kernel names by total time in one profiled step (a tapfit kernel's time includes the ops it runs). */
async function topKernels(step: () => void, n: number): Promise<string> {
  const info = await tf.profile(step);
  const total = new Map<string, number>();
  for (const k of info.kernels) total.set(k.name, (total.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  return [...total]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
    .join(', ');
}

async function measure(workload: Workload, setup: Setup, budgetMs: number): Promise<Row> {
  await use(setup);
  const { model, x, y } = workload.build();
  const step = makeStep(model, x, y);
  const row: Row = { workload: workload.name, setup, medianMs: undefined, bestMs: undefined, steps: 0, note: '', topKernels: '' };
  try {
    let t0 = performance.now();
    step(); // warm-up (and a probe of how many steps fit the budget)
    const first = performance.now() - t0;
    const steps = Math.max(1, Math.min(7, Math.floor(budgetMs / first)));
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      t0 = performance.now();
      step();
      times.push(performance.now() - t0);
    }
    row.medianMs = median(times);
    row.bestMs = Math.min(...times);
    row.steps = steps;
    if (row.medianMs < 2000) row.topKernels = await topKernels(step, 4);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    row.note = `cannot train: ${msg.replace(/\s+/g, ' ').slice(0, 80)}`;
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
  return row;
}

function table(rows: Row[]): string {
  const lines = [
    '| workload | backend | median step (ms) | best (ms) | steps | speed-up vs cpu stock (median) | top kernels (ms, one profiled step) |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    const base = rows.find((r) => r.workload === row.workload && r.setup === CPU_STOCK);
    const fmt = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(v < 100 ? 1 : 0));
    const ms = row.medianMs === undefined ? row.note : fmt(row.medianMs);
    const ratio = row.medianMs !== undefined && base?.medianMs !== undefined ? `${(base.medianMs / row.medianMs).toFixed(1)}×` : '—';
    lines.push(`| ${row.workload} | ${row.setup.label} | ${ms} | ${fmt(row.bestMs)} | ${row.steps || '—'} | ${ratio} | ${row.topKernels || '—'} |`);
  }
  return lines.join('\n');
}

/** Runs every workload on every setup and returns a markdown table (for an aggregate bench report). */
export async function runBackendsBench(options: { budgetMs?: number } = {}): Promise<string> {
  const budgetMs = options.budgetMs ?? 10_000;
  const before = tf.getBackend();
  const rows: Row[] = [];
  for (const workload of [mnistCnn, embeddingLstm]) {
    for (const setup of workload.setups) rows.push(await measure(workload, setup, budgetMs));
  }
  // Leave tapfit's kernels in place on both backends, as initBackend would.
  registerTapfitKernels('cpu');
  registerTapfitKernels('wasm');
  if (before) await tf.setBackend(before);
  const wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const load = loadavg()[0]!.toFixed(1);
  return `${table(rows)}\n\ntfjs ${tf.version.tfjs}, Node ${process.version}, wasm SIMD ${wasmSimd ? 'on' : 'off'}, 1 thread; ${cpus().length} cores, load average ${load} at the end.`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await runBackendsBench());
}
