import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { definePlugin, type Learner } from '../../plugin-sdk/index.ts';
import { Learner as LearnerClass } from '../../runtime/learner/learner.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

type Grads = Record<string, number[]>;
const read = (learn: Learner): Grads => Object.fromEntries(Object.entries(learn.grads!).map(([k, g]) => [k, [...g.dataSync()]]));
const norm = (g: Grads) => Math.sqrt(Object.values(g).flat().reduce((a, v) => a + v * v, 0));

/** Gradients just before and just after `gradient-clip`, and the weights around each step. */
function gradProbes() {
  const seen = { before: [] as Grads[], after: [] as Grads[], weightsBefore: [] as number[][], weightsAfter: [] as number[][], tensors: [] as number[] };
  const weights = (learn: Learner) => learn.model.parameters().flatMap((p) => [...p.dataSync()]);
  return {
    seen,
    plugins: [
      definePlugin({ name: 'grads-before', runBefore: ['gradient-clip'], beforeStep: (l: Learner) => void seen.before.push(read(l)) }),
      definePlugin({
        name: 'grads-after',
        runAfter: ['gradient-clip'],
        beforeStep: (l: Learner) => {
          seen.after.push(read(l));
          seen.weightsBefore.push(weights(l));
        },
        afterStep: (l: Learner) => void seen.weightsAfter.push(weights(l)),
        afterEpoch: () => void seen.tensors.push(tf.memory().numTensors),
      }),
    ],
  };
}

async function run(maxNorm: number, scale = 1) {
  const model = new TinyLinear();
  // large inputs → large gradients, so that clipping bites
  const dls = tinyData(3, 1, 2);
  const probes = gradProbes();
  const learn = await LearnerClass.create({
    model: { forward: ([x]) => model.forward([tf.mul(x, scale)]), parameters: () => model.parameters() },
    dls,
    lossFunc: 'mse',
    optimizer: 'sgd',
    lr: 0.01,
    backend: 'cpu',
    quiet: true,
    plugins: [['gradient-clip', { maxNorm }], ...probes.plugins],
  });
  await learn.fit(2);
  return { learn, model, seen: probes.seen };
}

describe('gradient-clip', () => {
  it('scales the gradients to a global norm ≤ maxNorm, keeping their direction, and the step uses them', async () => {
    const maxNorm = 0.5;
    const { seen, model, learn } = await run(maxNorm, 10);
    expect(seen.before).toHaveLength(6);
    const clip = learn.plugin<{ name: string; lastNorm: number }>('gradient-clip')!;
    seen.before.forEach((before, i) => {
      const after = seen.after[i];
      const total = norm(before);
      expect(total).toBeGreaterThan(maxNorm);
      expect(norm(after)).toBeLessThanOrEqual(maxNorm + 1e-6);
      const scale = maxNorm / (total + 1e-6);
      for (const k of Object.keys(before)) before[k].forEach((g, j) => expect(after[k][j]).toBeCloseTo(g * scale, 6));
      // SGD: w ← w − lr·clipped grad
      const flat = Object.values(after).flat();
      seen.weightsAfter[i].forEach((w, j) => expect(w).toBeCloseTo(seen.weightsBefore[i][j] - 0.01 * flat[j], 6));
    });
    expect(clip.lastNorm).toBeCloseTo(norm(seen.before[5]), 4);
    expect(seen.tensors[0]).toBe(seen.tensors[1]);
    model.dispose();
  });

  it('leaves gradients under maxNorm untouched', async () => {
    const { seen, model } = await run(1e6);
    seen.before.forEach((before, i) => expect(seen.after[i]).toEqual(before));
    model.dispose();
  });
});
