import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Learner, type LearnerOptions } from '../../runtime/learner/learner.ts';
import { combinedCos, combineScheds, schedCos } from '../../plugin-sdk/index.ts';
import { definePlugin, type Module, type Pred } from '../../plugin-sdk/index.ts';
import { tinyData } from '../helpers/tiny.ts';
import { closeRel, probe, tinyLearner } from '../helpers/schedules.ts';

describe('fitOneCycle (TC17)', () => {
  it('fitOneCycle(1, 1e-2) over N = 20 batches: lr and mom series follow the one-cycle formulas', async () => {
    const N = 20;
    const learn = await tinyLearner(N);
    await learn.fitOneCycle(1, 1e-2);
    const { lr, mom } = learn.recorder!.hps;
    expect(lr).toHaveLength(N);
    expect(mom).toHaveLength(N);
    // Starts at lrMax/div and moms[0], peaks at pctStart (batch 5 of 20), and heads for lrMax/divFinal.
    expect(lr[0]).toBe(1e-2 / 25);
    expect(mom[0]).toBe(0.95);
    closeRel(lr[5], 1e-2, 1e-12);
    closeRel(mom[5], 0.85, 1e-12);
    expect(Math.max(...lr)).toBe(lr[5]);
    expect(Math.min(...mom)).toBe(mom[5]);
    const lrSched = combinedCos(0.25, 1e-2 / 25, 1e-2, 1e-2 / 1e5);
    const momSched = combinedCos(0.25, 0.95, 0.85, 0.95);
    for (let i = 0; i < N; i++) {
      closeRel(lr[i], lrSched(i / N), 1e-9);
      closeRel(mom[i], momSched(i / N), 1e-9);
    }
    closeRel(lrSched(1), 1e-2 / 1e5, 1e-9);
    expect(momSched(1)).toBe(0.95);
    // TC17's table (2 epochs of 10 batches is the same 20 positions).
    const table: Record<number, [number, number]> = {
      0: [4e-4, 0.95], 1: [1.316718e-3, 0.940451], 2: [3.716719e-3, Number.NaN], 5: [1e-2, 0.85], 10: [7.500025e-3, 0.875], 19: [1.093609e-4, 0.948907],
    };
    for (const [i, [l, m]] of Object.entries(table)) {
      closeRel(lr[Number(i)], l, 1e-6);
      if (!Number.isNaN(m)) expect(mom[Number(i)]).toBeCloseTo(m, 6);
    }
  });

  it('2 epochs × 10 batches gives the same 20 values; wd is applied; tensors do not leak', async () => {
    const learn = await tinyLearner(10);
    await learn.fitOneCycle(2, 1e-2, { wd: 0.1 });
    const once = tf.memory().numTensors;
    const { lr, wd } = learn.recorder!.hps;
    expect(lr).toHaveLength(20);
    closeRel(lr[10], 7.500025e-3, 1e-6);
    expect(new Set(wd)).toEqual(new Set([0.1]));
    await learn.fitOneCycle(2, 1e-2);
    expect(tf.memory().numTensors).toBe(once);
  });

  it('takes one lrMax per parameter group', async () => {
    const learn = await tinyLearner(8, { splitter: (m) => m.parameters().map((p) => [p]) });
    const { plugin, groupLrs } = probe();
    await learn.fitOneCycle(1, [1e-3, 1e-2], { plugins: [plugin] });
    const sched = combinedCos(0.25, [1e-3 / 25, 1e-2 / 25], [1e-3, 1e-2], [1e-3 / 1e5, 1e-2 / 1e5]);
    groupLrs.forEach((lrs, i) => (sched(i / 8) as number[]).forEach((v, g) => closeRel(lrs[g], v, 1e-9)));
  });

  it('sets lr N + 1 times in a fit of N batches: once when the fit starts, then once before each training batch', async () => {
    const learn = await tinyLearner(10, { splitter: (m) => m.parameters().map((p) => [p]) });
    const lrWrites: unknown[] = [];
    const setHyper = learn.opt.setHyper.bind(learn.opt);
    learn.opt.setHyper = (name, value) => {
      if (name === 'lr') lrWrites.push(value);
      setHyper(name, value);
    };
    await learn.fitOneCycle(2, { start: 1e-3, end: 1e-2 });
    expect(lrWrites).toHaveLength(2 * 10 + 1);
    expect(lrWrites[0]).toBe(learn.lr); // Learner.fit's own write; the schedule overwrites it before the first step
    const sched = combinedCos(0.25, [1e-3 / 25, 1e-2 / 25], [1e-3, 1e-2], [1e-3 / 1e5, 1e-2 / 1e5]);
    lrWrites.slice(1).forEach((v, i) => expect(v).toEqual(sched(i / 20)));
  });

});

describe('fitFlatCos, fitSgdr, fineTune (TC18)', () => {
  it('fitFlatCos: flat lr for 75% of the batches, then cosine to lr/1e5; mom untouched', async () => {
    const learn = await tinyLearner(8);
    await learn.fitFlatCos(1, 1e-2);
    const { lr, mom } = learn.recorder!.hps;
    const sched = combinedCos(0.75, 1e-2, 1e-2, 1e-7);
    expect(lr.slice(0, 6)).toEqual([1e-2, 1e-2, 1e-2, 1e-2, 1e-2, 1e-2]);
    lr.forEach((v, i) => closeRel(v, sched(i / 8), 1e-9));
    expect(lr[7]).toBeLessThan(1e-2);
    expect(new Set(mom)).toEqual(new Set([0.9]));
  });

  it('fitSgdr(3, 1): 7 epochs, cycles of 1, 2, 4 epochs starting at iterations 0, N, 3N + 1 (as fastai)', async () => {
    const N = 3;
    const learn = await tinyLearner(N);
    const { plugin, pcts } = probe();
    await learn.fitSgdr(3, 1, 1e-2, { plugins: [plugin] });
    const { lr } = learn.recorder!.hps;
    expect(learn.recorder!.values).toHaveLength(7);
    expect(lr).toHaveLength(7 * N);
    // As in fastai, the third cycle restarts one batch into epoch 3: pctTrain = 3/7 there, which is below the
    // float32 boundary fround(fround(1/7) + fround(2/7)), so batch 3N is the end of cycle 2 (≈ 7.9e-16).
    expect(lr[3 * N]).toBeLessThan(1e-15);
    // …and batch 3N + 1 is one batch (1/(4N) of the 4-epoch cycle) into cycle 3.
    expect(Math.abs(lr[3 * N + 1] - schedCos(1e-2, 0)(1 / (4 * N)))).toBeLessThan(1e-2 * 1e-6);
    const cycles = [[0, N], [N, 2 * N]];
    for (const [start, n] of cycles) {
      expect(lr[start]).toBe(1e-2);
      // Up to the float32 local position fastai computes (≈1e-7 of the cycle).
      for (let j = 1; j < n; j++) expect(Math.abs(lr[start + j] - schedCos(1e-2, 0)(j / n))).toBeLessThan(1e-2 * 1e-6);
    }
    const sched = combineScheds([1 / 7, 2 / 7, 4 / 7], [schedCos(1e-2, 0), schedCos(1e-2, 0), schedCos(1e-2, 0)]);
    // Exactly the formula at the position the scheduler saw (pctTrain, accumulated as in fastai).
    lr.forEach((v, i) => expect(v).toBe(sched(pcts[i])));
  });

  it('fineTune: slice(2e-3) on the frozen model, then slice(1e-5, 1e-3) over 3 groups', async () => {
    const model = new ThreeParams();
    const learn = await Learner.create({
      model, dls: tinyData(4, 1, 2), lossFunc: 'mse', optimizer: 'adam', backend: 'cpu', quiet: true,
      splitter: (m) => m.parameters().map((p) => [p]),
    });
    const { plugin, groupLrs } = probe();
    const frozenBefore = Array.from(model.a.dataSync());
    await learn.fineTune(1, 2e-3, { plugins: [plugin] });
    expect(groupLrs).toHaveLength(8);
    // Stage 1: lrMax = slice(2e-3) = [2e-4, 2e-4, 2e-3], one-cycle with div 25 and pctStart 0.99.
    const s1 = combinedCos(0.99, [2e-4 / 25, 2e-4 / 25, 2e-3 / 25], [2e-4, 2e-4, 2e-3], [2e-9, 2e-9, 2e-8]);
    // Stage 2: base 1e-3 → slice(1e-5, 1e-3) = [1e-5, 1e-4, 1e-3], div 5, pctStart 0.3.
    const s2 = combinedCos(0.3, [2e-6, 2e-5, 2e-4], [1e-5, 1e-4, 1e-3], [1e-10, 1e-9, 1e-8]);
    groupLrs.slice(0, 4).forEach((lrs, i) => (s1(i / 4) as number[]).forEach((v, g) => closeRel(lrs[g], v, 1e-6)));
    groupLrs.slice(4).forEach((lrs, i) => (s2(i / 4) as number[]).forEach((v, g) => closeRel(lrs[g], v, 1e-6)));
    // Frozen in stage 1, trained in stage 2: the first group's parameter moved only in stage 2.
    expect(Array.from(model.a.dataSync())).not.toEqual(frozenBefore);
    expect(model.seenTrainable.slice(0, 4)).toEqual([false, false, false, false]);
    expect(model.seenTrainable.slice(4)).toEqual([true, true, true, true]);
  });
});

describe('fineTune freezing (fastai Learner.freeze_to = opt.freeze_to + opt.clear_state)', () => {
  it('works on a one-group model (freezing all but the last group is then a no-op), training both stages', async () => {
    const learn = await tinyLearner(4);
    const { plugin, groupLrs } = probe();
    const before = learn.model.parameters().map((p) => Array.from(p.dataSync()));
    await learn.fineTune(1, 2e-3, { plugins: [plugin] });
    expect(groupLrs).toHaveLength(8);
    // Stage 1 one-cycles to slice(2e-3) = 2e-3 for the only group, stage 2 to slice(1e-5, 1e-3) = 1e-3.
    closeRel(Math.max(...groupLrs.slice(0, 4).map(([lr]) => lr)), combinedCos(0.99, 2e-3 / 25, 2e-3, 2e-8)(0.75), 1e-9);
    closeRel(groupLrs[4][0], 1e-3 / 5, 1e-9);
    expect(learn.model.parameters().map((p) => Array.from(p.dataSync()))).not.toEqual(before);
  });

  it('each stage starts from a cleared optimizer state (Adam step counts restart at 1)', async () => {
    const learn = await tinyLearner(4, { splitter: (m) => m.parameters().map((p) => [p]) });
    const last = learn.opt.paramGroups.at(-1)![0];
    await learn.fit(1); // some state before fineTune
    const steps: unknown[] = [];
    const spy = definePlugin({ name: 'spy', afterStep: (l) => void steps.push(l.opt.state(last).step) });
    await learn.fineTune(1, 2e-3, { plugins: [spy] });
    expect(steps).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
  });
});

/** y = a·x₀ + b·x₁ + c with one variable per parameter (3 groups), noting whether `a` trains at each call. */
class ThreeParams implements Module {
  static count = 0;
  readonly a = tf.variable(tf.scalar(0.5), true, `three_a_${ThreeParams.count}`);
  readonly b = tf.variable(tf.scalar(-0.2), true, `three_b_${ThreeParams.count}`);
  readonly c = tf.variable(tf.scalar(0.1), true, `three_c_${ThreeParams.count++}`);
  readonly seenTrainable: boolean[] = [];
  forward([x]: tf.Tensor[], { training }: { training: boolean }): Pred {
    if (training) this.seenTrainable.push(this.a.trainable);
    const [x0, x1] = tf.split(x, 2, 1);
    return tf.addN([tf.mul(x0, this.a), tf.mul(x1, this.b), tf.mul(tf.onesLike(x0), this.c)]);
  }
  parameters(): tf.Variable[] {
    return [this.a, this.b, this.c];
  }
}
