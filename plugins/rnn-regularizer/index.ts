import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { definePlugin, definePluginFactory, TapfitError, type Plugin } from '../../plugin-sdk/index.ts';

/** What the `rnn-outputs` plugin exposes during a batch. */
interface RnnOutputsView extends Plugin {
  rawOut: tf.Tensor | null;
  out: tf.Tensor | null;
}

const options = z.object({
  /** Activation regularization: `alpha · mean(out²)` on the last layer's dropped-out activations. */
  alpha: z.number().min(0).default(0),
  /** Temporal activation regularization: `beta · mean((h_t − h_{t−1})²)` on the last layer's raw activations. */
  beta: z.number().min(0).default(0),
});

/**
 * fastai's `RNNRegularizer` (AR and TAR of Merity et al.'s AWD-LSTM): while training, after the loss, adds
 * `alpha · mean(out²)` and `beta · mean((raw[:, 1:] − raw[:, :-1])²)` to `learn.lossGrad`, where `out`/`raw` are
 * the last layer's activations (batch × seq × hidden) after/before dropout, kept by the `rnn-outputs` plugin.
 * Only the differentiated loss changes: the logged `learn.loss` does not, and validation adds nothing.
 *
 * ```ts
 * plugins: ['model-resetter', 'rnn-outputs', ['rnn-regularizer', { alpha: 2, beta: 1 }]]
 * ```
 */
export default definePluginFactory({
  name: 'rnn-regularizer',
  options,
  description: 'activation and temporal activation regularization (AR/TAR) of an RNN language model',
  create: ({ alpha, beta }) =>
    definePlugin({
      name: 'rnn-regularizer',
      runAfter: ['rnn-outputs'],
      runValid: false,
      alpha,
      beta,
      beforeFit(learn) {
        if (!learn.plugin('rnn-outputs')) {
          throw new TapfitError('E_CONFIG', 'rnn-regularizer needs the rnn-outputs plugin (add "rnn-outputs" to the plugins)');
        }
      },
      afterLoss(learn) {
        if (!learn.training || !learn.lossGrad) return;
        const { rawOut = null, out = null } = learn.plugin<RnnOutputsView>('rnn-outputs') ?? {};
        let lossGrad: tf.Scalar = learn.lossGrad;
        if (this.alpha !== 0 && out) lossGrad = tf.add(lossGrad, tf.mul(this.alpha, tf.mean(tf.square(out))));
        const seqLen = rawOut?.shape[1] ?? 0;
        if (this.beta !== 0 && rawOut && seqLen > 1) {
          const [b, , h] = rawOut.shape;
          const diff = tf.sub(rawOut.slice([0, 1, 0], [b, seqLen - 1, h!]), rawOut.slice([0, 0, 0], [b, seqLen - 1, h!]));
          lossGrad = tf.add(lossGrad, tf.mul(this.beta, tf.mean(tf.square(diff))));
        }
        learn.lossGrad = lossGrad;
      },
    }),
});
