import type * as tf from '@tensorflow/tfjs';
import { definePlugin, TapfitError } from '../../plugin-sdk/index.ts';

/** What `learn.plugin<RnnOutputs>('rnn-outputs')` exposes during a batch. */
export interface RnnOutputs {
  readonly name: 'rnn-outputs';
  /** The last layer's activations before dropout, (batch × seq × hidden); `null` outside a batch. */
  readonly rawOut: tf.Tensor | null;
  /** The same after dropout. */
  readonly out: tf.Tensor | null;
}

/**
 * fastai's `RNNCallback`: an RNN language model returns `[logits, rawOutputs, outputs]` (e.g. `LstmLM`);
 * after the prediction this keeps the last two (`rawOut`, `out`) for regularizers and leaves only the logits
 * in `learn.pred`, so that the loss and the metrics see one tensor. The tensors belong to the batch: the
 * learner disposes them when it ends, and this plugin drops its references then.
 *
 * ```ts
 * plugins: ['model-resetter', 'rnn-outputs', ['rnn-regularizer', { alpha: 2, beta: 1 }]]
 * ```
 */
export default definePlugin({
  name: 'rnn-outputs',
  roles: ['rnn-outputs'],
  rawOut: null as tf.Tensor | null,
  out: null as tf.Tensor | null,
  afterPred(learn) {
    const pred = learn.pred;
    if (!Array.isArray(pred) || pred.length !== 3) {
      throw new TapfitError('E_CONFIG', `rnn-outputs: the model must return [logits, rawOutputs, outputs], got ${Array.isArray(pred) ? `${pred.length} tensors` : 'one tensor'}`);
    }
    [, this.rawOut, this.out] = pred;
    learn.pred = pred[0];
  },
  afterBatch() {
    this.rawOut = this.out = null;
  },
  onError() {
    this.rawOut = this.out = null;
  },
});
