import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { definePlugin, type Learner, type Pred } from '../../plugin-sdk/index.ts';
import type { RnnOutputs } from '../../plugins/rnn-outputs/index.ts';
import { tinyLm } from '../rnn/setup.ts';

describe('rnn-outputs', () => {
  it("keeps the model's raw and dropped-out outputs for the batch and leaves only the logits in learn.pred", async () => {
    const seen: { xb: number[]; pred: number[]; raw: number[]; out: number[]; same: boolean[] }[] = [];
    let modelOutputs: tf.Tensor[] = [];
    const before = definePlugin({
      name: 'before-rnn-outputs',
      runBefore: ['rnn-outputs'],
      afterPred: (learn: Learner) => void (modelOutputs = [...(learn.pred as tf.Tensor[])]),
    });
    const after = definePlugin({
      name: 'after-rnn-outputs',
      runAfter: ['rnn-outputs'],
      afterPred(learn: Learner) {
        const rnn = learn.plugin<RnnOutputs & { name: string }>('rnn-outputs')!;
        const pred = learn.pred as Pred;
        seen.push({
          xb: [...learn.xb[0].shape],
          pred: [...(pred as tf.Tensor).shape],
          raw: [...rnn.rawOut!.shape],
          out: [...rnn.out!.shape],
          same: [pred === modelOutputs[0], rnn.rawOut === modelOutputs[1], rnn.out === modelOutputs[2]],
        });
      },
    });
    const { learn } = await tinyLm({ plugins: ['rnn-outputs', before, after] });
    await learn.fit(1);
    expect(seen).toHaveLength(4); // 3 training and 1 validation batches
    for (const s of seen) {
      expect(s.xb).toHaveLength(2); // batch × seq tokens
      expect(s.pred).toEqual([...s.xb, 13]); // vocabulary
      expect(s.raw).toEqual([...s.xb, 8]); // hidden size of the last layer
      expect(s.out).toEqual([...s.xb, 8]);
      expect(s.same).toEqual([true, true, true]);
    }
    const rnn = learn.plugin<RnnOutputs & { name: string }>('rnn-outputs')!;
    expect([rnn.rawOut, rnn.out]).toEqual([null, null]); // the batch's tensors are the learner's to dispose
  });

  it('refuses a model that returns one tensor, naming itself and the expected outputs', async () => {
    const { learn, model } = await tinyLm({ plugins: ['rnn-outputs'] });
    const forward = model.forward.bind(model);
    // An LstmLM cut down to its logits: what a plain language model returns.
    model.forward = ((inputs: tf.Tensor[], opts: { training: boolean }) => (forward(inputs, opts) as tf.Tensor[])[0]) as unknown as typeof model.forward;
    await expect(learn.fit(1)).rejects.toThrow('rnn-outputs: the model must return [logits, rawOutputs, outputs], got one tensor');
  });
});
