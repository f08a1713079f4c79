import { describe, expect, it } from 'vitest';
import { makeLearner } from '../helpers/trackers.ts';

describe('reduce-lr-on-plateau (TC23)', () => {
  it('lr 1e-7, 4 epochs: prints "Epoch 2: reducing lr to 1e-08"; final lr 1e-8', async () => {
    const { learn, lines } = await makeLearner([['reduce-lr-on-plateau', { minDelta: 0.1, patience: 2 }]], 1e-7);
    await learn.fit(4);
    expect(lines.filter((l) => l.includes('reducing lr'))).toEqual(['Epoch 2: reducing lr to 1e-08']);
    expect(learn.opt.hypers[0].lr).toBe(1e-8);
  });

  it('lr 5e-8, min_lr 1e-8, 6 epochs: final lr 1e-8 and one message (the epoch-4 reduction is clamped)', async () => {
    const { learn, lines } = await makeLearner([['reduce-lr-on-plateau', { minDelta: 0.1, patience: 2, minLr: 1e-8 }]], 5e-8);
    await learn.fit(6);
    expect(lines.filter((l) => l.includes('reducing lr'))).toEqual(['Epoch 2: reducing lr to 1e-08']);
    expect(learn.opt.hypers[0].lr).toBe(1e-8);
  });
});
