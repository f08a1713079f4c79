import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { mnist } from '../../runtime/data/mnist.ts';
import { mnistMlp } from '../../runtime/models/mnist.ts';
import { LOSSES } from '../../runtime/losses.ts';
import mixup from '../../plugins/mixup/index.ts';
import cutmix, { randBbox } from '../../plugins/cutmix/index.ts';
import type { MixPlugin } from '../../plugins/mixup/mix-handler.ts';
import { definePlugin, SeededRandom, type Plugin } from '../../plugin-sdk/index.ts';

/** Cross-entropy of one row of logits by hand. */
const ce = (logits: number[], label: number) => {
  const m = Math.max(...logits);
  return -(logits[label] - m - Math.log(logits.reduce((a, v) => a + Math.exp(v - m), 0)));
};

interface Seen {
  x: number[][];
  y: number[];
  mixed: number[][];
  logits: number[][];
  loss: number;
  last: MixPlugin['last'];
  validLossFuncs: unknown[];
}

/** Spies on the first training batch: the batch before the mix (runs first) and after it (runs last). */
function spies(mixName: string, seen: Partial<Seen>): Plugin[] {
  const rows = (t: tf.Tensor) => (t.reshape([t.shape[0], -1]).arraySync() as number[][]);
  seen.validLossFuncs = [];
  return [
    definePlugin({ name: 'before-mix', runBefore: [mixName], beforeBatch: (l) => {
      if (!l.training || seen.x) return;
      seen.x = rows(l.xb[0]);
      seen.y = Array.from(l.yb[0].dataSync());
    } }),
    definePlugin({ name: 'after-mix', runAfter: [mixName], afterLoss: (l) => {
      if (!l.training) {
        seen.validLossFuncs!.push(l.lossFunc);
        return;
      }
      if (seen.mixed) return;
      seen.mixed = rows(l.xb[0]);
      seen.logits = (l.pred as tf.Tensor).arraySync() as number[][];
      seen.loss = l.loss!.dataSync()[0];
      seen.last = l.plugin<MixPlugin>(mixName)!.last;
    } }),
  ];
}

async function mnistLearner(plugins: Plugin[], nTrain = 64, batchSize = 8) {
  const dls = mnist({ nTrain, nValid: 200, batchSize, seed: 0 });
  return Learner.create({ model: mnistMlp({ seed: 1, hidden: 32 }), dls, optimizer: 'adam', lr: 1e-2, metrics: ['accuracy'], plugins, backend: 'cpu', quiet: true });
}

const maxAbs = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('SeededRandom.beta', () => {
  it('matches Beta(a, b) mean and variance over 40,000 draws (a = b = 0.4, a = b = 1, a = 2, b = 5)', () => {
    for (const [a, b] of [[0.4, 0.4], [1, 1], [2, 5]]) {
      const rng = new SeededRandom(7);
      const xs = Array.from({ length: 40000 }, () => rng.beta(a, b));
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
      expect(mean).toBeCloseTo(a / (a + b), 2);
      expect(variance).toBeCloseTo((a * b) / ((a + b) ** 2 * (a + b + 1)), 2);
      expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
    }
  });
});

describe("mixup (fastai's MixUp(alpha=0.4))", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('blends each item with its shuffled partner by λ = max(l, 1 − l) and mixes the per-item losses (MNIST, by hand)', async () => {
    const seen: Partial<Seen> = {};
    const learn = await mnistLearner([mixup({}), ...spies('mixup', seen)]);
    expect(learn.plugin('mixup')).toMatchObject({ alpha: 0.4, runValid: false });
    await learn.fit(1);
    const { x, y, mixed, logits, loss, last } = seen as Seen;
    const { lam, shuffle } = last!;
    expect(lam).toHaveLength(8);
    expect(lam.every((l) => l >= 0.5 && l <= 1)).toBe(true);
    expect([...shuffle].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    x.forEach((row, i) => {
      const partner = x[shuffle[i]];
      expect(maxAbs(mixed[i], row.map((v, p) => partner[p] + lam[i] * (v - partner[p])))).toBeLessThan(1e-6);
    });
    const expected = logits.reduce((s, row, i) => {
      const a = ce(row, y[shuffle[i]]);
      return s + a + lam[i] * (ce(row, y[i]) - a);
    }, 0) / 8;
    expect(loss).toBeCloseTo(expected, 5);
    // Validation: the original loss function, every batch.
    expect(new Set(seen.validLossFuncs)).toEqual(new Set([LOSSES['cross-entropy']]));
    expect(learn.lossFunc).toBe(LOSSES['cross-entropy']);
  });

  it('is seeded: the same seed draws the same λ and partners, another seed does not', async () => {
    const run = async (seed: number) => {
      const seen: Partial<Seen> = {};
      const learn = await mnistLearner([mixup({ seed }), ...spies('mixup', seen)], 16);
      await learn.fit(1);
      return seen.last!;
    };
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    expect(a.lam).toEqual(b.lam);
    expect([...a.shuffle]).toEqual([...b.shuffle]);
    expect(a.lam).not.toEqual(c.lam);
  });

  it('mixes the targets themselves for a loss without class ids (mse), and leaks nothing over epochs', async () => {
    const seen: { y?: number[]; mixedY?: number[]; last?: MixPlugin['last'] } = {};
    const dls = mnist({ nTrain: 64, nValid: 32, batchSize: 8, seed: 0 });
    const learn = await Learner.create({
      model: mnistMlp({ seed: 1, hidden: 8 }), dls, lossFunc: (pred, yb) => tf.losses.meanSquaredError(yb.toFloat(), pred.mean(1)) as tf.Scalar,
      optimizer: 'adam', backend: 'cpu', quiet: true,
      plugins: [
        mixup({}),
        definePlugin({ name: 'y-before', runBefore: ['mixup'], beforeBatch: (l) => void (l.training && !seen.y && (seen.y = Array.from(l.yb[0].dataSync()))) }),
        definePlugin({ name: 'y-after', runAfter: ['mixup'], beforeBatch: (l) => {
          if (!l.training || seen.mixedY) return;
          seen.mixedY = Array.from(l.yb[0].dataSync());
          seen.last = l.plugin<MixPlugin>('mixup')!.last;
        } }),
      ],
    });
    await learn.fit(1);
    const { lam, shuffle } = seen.last!;
    seen.y!.forEach((v, i) => expect(seen.mixedY![i]).toBeCloseTo(seen.y![shuffle[i]] + lam[i] * (v - seen.y![shuffle[i]]), 5));
    const n0 = tf.memory().numTensors;
    await learn.fit(3, undefined, { checkLeaks: true });
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('real training: an MLP with mixup learns MNIST (1,000 digits, 2 epochs → accuracy ≥ 0.75)', async () => {
    const learn = await mnistLearner([mixup({})], 1000, 32);
    await learn.fit(2);
    const [, validLoss, accuracy] = learn.recorder!.values.at(-1)! as number[];
    expect(validLoss).toBeLessThan(1.2);
    expect(accuracy).toBeGreaterThanOrEqual(0.75);
  });
});

describe("cutmix (fastai's CutMix(alpha=1))", () => {
  it("rand_bbox as fastai: side round(√(1 − λ)·W) around a uniform centre, clipped", () => {
    const rng = new SeededRandom(3);
    const check = new SeededRandom(3);
    const [x1, y1, x2, y2] = randBbox(28, 28, 0.75, rng);
    const cx = Math.floor(check.next() * 28);
    const cy = Math.floor(check.next() * 28);
    expect([x1, y1, x2, y2]).toEqual([Math.max(cx - 7, 0), Math.max(cy - 7, 0), Math.min(cx + 7, 28), Math.min(cy + 7, 28)]);
    // torch.round halves to even: √(1 − 0.9375)·10 = 2.5 → 2, so the half-side is 1.
    const [a1, , a2] = randBbox(10, 10, 0.9375, new SeededRandom(0));
    expect(a2 - a1).toBeLessThanOrEqual(2);
  });

  it('pastes the partner box into each image, λ = 1 − box/area, loss mixed by λ (MNIST, by hand); off in validation', async () => {
    const seen: Partial<Seen> = {};
    const learn = await mnistLearner([cutmix({ seed: 4 }), ...spies('cutmix', seen)]);
    expect(learn.plugin('cutmix')).toMatchObject({ alpha: 1, runValid: false });
    await learn.fit(1);
    const { x, y, mixed, logits, loss, last } = seen as Seen;
    const { lam: [lam], shuffle, box } = last!;
    const [x1, y1, x2, y2] = box!;
    expect(lam).toBeCloseTo(1 - ((x2 - x1) * (y2 - y1)) / (28 * 28), 10);
    x.forEach((row, i) => {
      const expected = row.map((v, p) => {
        const [r, c] = [Math.floor(p / 28), p % 28];
        return r >= y1 && r < y2 && c >= x1 && c < x2 ? x[shuffle[i]][p] : v;
      });
      expect(maxAbs(mixed[i], expected)).toBeLessThan(1e-6);
    });
    const expected = logits.reduce((s, row, i) => s + (1 - lam) * ce(row, y[shuffle[i]]) + lam * ce(row, y[i]), 0) / 8;
    expect(loss).toBeCloseTo(expected, 5);
    expect(new Set(seen.validLossFuncs)).toEqual(new Set([LOSSES['cross-entropy']]));
    const n0 = tf.memory().numTensors;
    await learn.fit(3, undefined, { checkLeaks: true });
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('refuses inputs that are not NHWC images, naming the plugin', async () => {
    const w = tf.variable(tf.zeros([1]));
    const learn = await Learner.create({
      model: { forward: ([x]) => tf.add(x, w), parameters: () => [w] },
      dls: { train: [[tf.zeros([2, 3]), tf.tensor1d([0, 1], 'int32')]] as never, valid: [] as never },
      plugins: [cutmix({})], backend: 'cpu', quiet: true,
    }).catch((e: unknown) => e);
    if (learn instanceof Learner) await expect(learn.fit(1)).rejects.toThrow(/cutmix: images must be NHWC/);
    else throw learn;
    w.dispose();
  });
});
