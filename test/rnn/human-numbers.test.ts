import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { definePlugin } from '../../plugin-sdk/index.ts';
import { humanNumbersLearner, majorityBaseline } from '../../examples/human-numbers/setup.ts';

describe('human numbers example (small)', () => {
  it('learns to predict the next token far better than "always the most common token", without leaking tensors', async () => {
    const tensorsAfterEpoch: number[] = [];
    const probe = definePlugin({ name: 'tensor-count', afterEpoch: () => void tensorsAfterEpoch.push(tf.memory().numTensors) });
    // numbers 1..3000, 6 epochs: a few seconds on wasm (the full example: 1..9999, 15 epochs)
    const { learn, dls, model } = await humanNumbersLearner({ upTo: 3000, batchSize: 32, quiet: true, backend: 'wasm', plugins: [probe] });
    expect(learn.backend).toBe('wasm');
    const names = learn.plugins.map((p) => p.name);
    expect(names.indexOf('rnn-regularizer')).toBeGreaterThan(names.indexOf('rnn-outputs'));
    await learn.fitOneCycle(6, 1e-2);
    const baseline = majorityBaseline(dls.valid.tokens.subarray(1));
    const [, validLoss, accuracy, perplexity] = learn.recorder!.values.at(-1)! as number[];
    expect(baseline).toBeLessThan(0.2);
    expect(accuracy).toBeGreaterThan(Math.max(0.5, baseline + 0.3));
    expect(perplexity).toBeCloseTo(Math.exp(validLoss), 4);
    expect(perplexity).toBeLessThan(4);
    expect(new Set(tensorsAfterEpoch).size).toBe(1);
    model.dispose();
  });
});
