/**
 * Peak resident memory of one workload in a fresh process: `tsx bench/peak-rss.ts cnn|lstm [epochs]` trains it
 * for a few epochs on `wasm` and prints `{"workload", "epochs", "maxRssMiB"}` (the OS's high-water mark, so the
 * benchmark runs each workload in its own process).
 */
import { initBackend } from '../runtime/backend/index.ts';
import { cnnWorkload, lstmWorkload } from './workloads.ts';

const [which = 'cnn', epochsArg = '3'] = process.argv.slice(2);
if (which !== 'cnn' && which !== 'lstm') throw new Error(`peak-rss: workload must be "cnn" or "lstm", got "${which}"`);
await initBackend('wasm');
const w = which === 'cnn' ? await cnnWorkload() : await lstmWorkload();
const epochs = Number(epochsArg);
for (let e = 0; e < epochs; e++) await w.learn.fit(1);
w.dispose();
console.log(JSON.stringify({ workload: which, epochs, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
