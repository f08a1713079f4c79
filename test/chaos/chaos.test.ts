import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chaosRun, referenceRun, type ChaosModel } from './chaos.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-chaos-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The short chaos test (the long one: `npm run chaos`): each model's run is killed with SIGKILL at seeded random
 * moments, one of them the instant a checkpoint write starts, and resumed until it ends; the result must equal
 * an uninterrupted run bit for bit: weights, optimizer state, recorder, CSV (less its time column), and the
 * model's own state (the LSTM's hidden state). The three models run side by side (one child process each).
 */
describe('chaos: SIGKILL at random moments, resumed until done, equals the uninterrupted run', () => {
  // seeds whose plans aim one of the two kills at a checkpoint write and one between batches
  for (const [model, seed] of [['mlp', 2], ['cnn', 8], ['lstm', 9]] as [ChaosModel, number][]) {
    it.concurrent(model, async () => {
      const reference = await referenceRun(model, work);
      const report = await chaosRun({ model, kills: 2, seed, work }, reference);
      // the plan's first kill is aimed at a save; the second may be skipped if the first landed batches late
      expect(report.kills).toBeGreaterThanOrEqual(1);
      expect(report.killsAtSave).toBe(1);
      expect(report.differences).toEqual([]);
      expect(report.identical).toBe(true);
      // a kill inside a write leaves its temporary file; the resumed run's first write removes it
      expect(report.strayTmp).toBe(0);
    }, 300_000); // about 25 s of CPU each; generous for a loaded machine
  }
});
