import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClassificationInterpretation } from '../../runtime/interpret/index.ts';
import { Learner } from '../../runtime/learner/learner.ts';
import { mnist } from '../../runtime/data/mnist.ts';
import { mnistMlp } from '../../runtime/models/mnist.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'tapfit-interp-'));

/** Seven items over three classes; predicted = argmax. */
const PROBS = [
  [0.7, 0.2, 0.1], // cat → cat
  [0.1, 0.8, 0.1], // cat → dog
  [0.3, 0.6, 0.1], // dog → dog
  [0.5, 0.3, 0.2], // dog → cat
  [0.2, 0.7, 0.1], // bird → dog
  [0.1, 0.1, 0.8], // bird → bird
  [0.2, 0.5, 0.3], // cat → dog
];
const TARGETS = [0, 0, 1, 1, 2, 2, 0];
const LOSSES = PROBS.map((p, i) => -Math.log(p[TARGETS[i]]));
const fixed = () => new ClassificationInterpretation({ probs: PROBS, targets: TARGETS, losses: LOSSES, vocab: ['cat', 'dog', 'bird'] });

describe("ClassificationInterpretation (fastai's), on a fixed prediction set by hand", () => {
  it('confusionMatrix: rows actual, columns predicted', () => {
    expect(fixed().confusionMatrix()).toEqual([
      [1, 2, 0],
      [1, 1, 0],
      [0, 1, 1],
    ]);
  });

  it('mostConfused(minVal): off-diagonal pairs, most first, ties in row order', () => {
    expect(fixed().mostConfused()).toEqual([['cat', 'dog', 2], ['dog', 'cat', 1], ['bird', 'dog', 1]]);
    expect(fixed().mostConfused(2)).toEqual([['cat', 'dog', 2]]);
    expect(fixed().mostConfused(3)).toEqual([]);
  });

  it('topLosses(k): the largest losses and their items (−ln 0.1 twice, then −ln 0.2)', () => {
    const { losses, indices } = fixed().topLosses(3);
    expect(indices).toEqual([1, 4, 6]);
    expect(losses).toEqual([-Math.log(0.1), -Math.log(0.1), -Math.log(0.2)]);
    expect(fixed().topLosses().indices).toEqual([1, 4, 6, 3, 2, 0, 5]);
  });

  it('plots: confusion matrix with its counts, top losses as a table without images', async () => {
    const dir = tmp();
    await fixed().plotConfusionMatrix(path.join(dir, 'cm.svg'));
    const svg = readFileSync(path.join(dir, 'cm.svg'), 'utf8');
    for (const name of ['cat', 'dog', 'bird']) expect(svg).toContain(name);
    expect(svg).toContain('>2</text>');
    await fixed().plotTopLosses(2, path.join(dir, 'top.svg'));
    const top = readFileSync(path.join(dir, 'top.svg'), 'utf8');
    expect(top).toContain('#1: dog / cat / 2.30 / 0.10');
    expect(top).toContain('#4: dog / bird / 2.30 / 0.10');
    expect(() => new ClassificationInterpretation({ probs: PROBS, targets: [0], losses: LOSSES })).toThrow(/one row per item/);
  });
});

describe('ClassificationInterpretation.fromLearner (MNIST)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('agrees with validate() and getPreds, and plots the top-loss digits and the confusion matrix (PNG)', async () => {
    const dls = mnist({ nTrain: 1000, nValid: 200, batchSize: 64, seed: 0 });
    const learn = await Learner.create({ model: mnistMlp({ seed: 0, hidden: 32 }), dls, lr: 1e-2, metrics: ['accuracy'], backend: 'cpu', quiet: true });
    await learn.fit(1);
    const interp = await ClassificationInterpretation.fromLearner(learn);
    const cm = interp.confusionMatrix();
    expect(cm).toHaveLength(10);
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(200);
    const [loss, accuracy] = await learn.validate();
    expect(cm.reduce((s, row, i) => s + row[i], 0) / 200).toBeCloseTo(accuracy, 6);
    expect(interp.losses.reduce((a, b) => a + b, 0) / 200).toBeCloseTo(loss, 4);
    const mc = interp.mostConfused();
    expect(mc.reduce((s, [, , n]) => s + n, 0)).toBe(200 - cm.reduce((s, row, i) => s + row[i], 0));
    const { losses } = interp.topLosses(5);
    expect(losses[0]).toBe(Math.max(...interp.losses));
    const dir = tmp();
    await interp.plotTopLosses(6, path.join(dir, 'top.png'));
    await interp.plotConfusionMatrix(path.join(dir, 'cm.png'));
    for (const f of ['top.png', 'cm.png']) expect(readFileSync(path.join(dir, f)).subarray(1, 4).toString()).toBe('PNG');
  });
});
