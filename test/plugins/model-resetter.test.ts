import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { definePlugin, type Learner } from '../../plugin-sdk/index.ts';
import type { LstmLM } from '../../runtime/models/lstm-lm.ts';
import { stateMagnitude, stateValues, tinyLm } from '../rnn/setup.ts';

/** Records the model's state at the first batch of every phase, the last state of each phase, and the tensor count per epoch. */
function stateProbe() {
  return definePlugin({
    name: 'state-probe',
    firsts: [] as { phase: string; epoch: number; magnitude: number; values: number[] }[],
    lasts: [] as number[][],
    tensorsAfterEpoch: [] as number[],
    beforeBatch(learn: Learner) {
      if (learn.iter !== 0) return;
      const state = (learn.model as LstmLM).state;
      this.firsts.push({ phase: learn.training ? 'train' : 'valid', epoch: learn.epoch, magnitude: stateMagnitude(state), values: stateValues(state) });
    },
    afterBatch(learn: Learner) {
      if (learn.iter === learn.nIter - 1) this.lasts.push(stateValues((learn.model as LstmLM).state));
    },
    afterEpoch() {
      this.tensorsAfterEpoch.push(tf.memory().numTensors);
    },
  });
}

async function run(withResetter: boolean) {
  const probe = stateProbe();
  const { learn, model } = await tinyLm({ plugins: [...(withResetter ? ['model-resetter'] : []), 'rnn-outputs', probe] });
  // one forward first, so that the state exists as tensors before the fit
  tf.tidy(() => model.forward([tf.zeros([4, 5], 'int32')], { training: false }));
  await learn.fit(3);
  return { probe, model };
}

describe('model-resetter', () => {
  it('without it, the hidden state carries from training into validation and across epochs', async () => {
    const { probe, model } = await run(false);
    expect(probe.firsts.map((f) => `${f.phase}${f.epoch}`)).toEqual(['train0', 'valid0', 'train1', 'valid1', 'train2', 'valid2']);
    // the learner zeroes the state at beforeFit (fastai's TrainEvalCallback), nothing else does
    expect(probe.firsts[0].magnitude).toBe(0);
    for (const f of probe.firsts.slice(1)) expect(f.magnitude).toBeGreaterThan(0);
    // each phase starts exactly where the previous one ended
    probe.firsts.slice(1).forEach((f, i) => expect(f.values).toEqual(probe.lasts[i]));
    expect(new Set(probe.tensorsAfterEpoch).size).toBe(1);
    model.dispose();
  });

  it('with it, the state is zero at the first batch of every train and validation phase, and after the fit', async () => {
    const { probe, model } = await run(true);
    expect(probe.firsts).toHaveLength(6);
    for (const f of probe.firsts) {
      expect(f.values.length).toBe(2 * 2 * 8 * 4);
      expect(f.magnitude).toBe(0);
    }
    expect(probe.lasts.every((v) => v.some((x) => x !== 0))).toBe(true);
    expect(stateMagnitude(model.state)).toBe(0);
    expect(new Set(probe.tensorsAfterEpoch).size).toBe(1);
    model.dispose();
  });
});
