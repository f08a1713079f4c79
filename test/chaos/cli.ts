/**
 * `npm run chaos [-- --trials N --kills K --models mlp,cnn,lstm]`: the long chaos test. For each model, one
 * uninterrupted reference run, then N runs each killed K times with SIGKILL at seeded random moments (half of
 * them the instant a checkpoint write starts) and resumed until done, each compared bit for bit with the reference.
 * Prints one line per run and a summary; exits 1 if any run differs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chaosRun, referenceRun, type ChaosModel, type ChaosReport } from './chaos.ts';

// Heavier checkpoints (8 MB), so that more of the kills aimed at a save land inside its write (see the child).
process.env.TAPFIT_CHAOS_BALLAST ??= '2000000';
const { values } = parseArgs({
  options: { trials: { type: 'string', default: '5' }, kills: { type: 'string', default: '6' }, models: { type: 'string', default: 'mlp,cnn,lstm' } },
});
const trials = Number(values.trials);
const kills = Number(values.kills);
const models = values.models!.split(',') as ChaosModel[];
const work = mkdtempSync(path.join(tmpdir(), 'tapfit-chaos-long-'));
const reports: ChaosReport[] = [];
const started = Date.now();
try {
  for (const model of models) {
    const reference = await referenceRun(model, work);
    for (let t = 0; t < trials; t++) {
      const r = await chaosRun({ model, kills, seed: 1000 + t, work }, reference);
      reports.push(r);
      console.log(
        `${model} seed ${1000 + t}: ${r.kills} kills (${r.killsAtSave} during a checkpoint save, ${r.killsInsideWrite} left a half-written temp file), ` +
          `${r.starts} starts, ${(r.ms / 1000).toFixed(1)} s: ${r.identical ? 'identical' : `DIFFERS in ${r.differences.join(', ')}`}` +
          (r.strayTmp ? `, ${r.strayTmp} stray temp files` : ''),
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const sum = (f: (r: ChaosReport) => number) => reports.reduce((a, r) => a + f(r), 0);
const bad = reports.filter((r) => !r.identical || r.strayTmp);
console.log(
  `\n${reports.length} runs, ${sum((r) => r.kills)} SIGKILLs (${sum((r) => r.killsAtSave)} during a checkpoint save, ` +
    `${sum((r) => r.killsInsideWrite)} inside a write), ${sum((r) => r.starts) - reports.length} resumes: ` +
    `${reports.length - bad.length}/${reports.length} bit-identical to the uninterrupted run, in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exit(bad.length ? 1 : 0);
