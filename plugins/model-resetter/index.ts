import { definePlugin } from '../../plugin-sdk/index.ts';

/**
 * fastai's `ModelResetter`: calls `model.reset()` (a stateful model's "forget the hidden state") before
 * training, before validation and after the fit, so that each phase starts from a zero state and validation
 * does not continue from where training left off.
 *
 * ```ts
 * const learn = await Learner.create({ model: new LstmLM({ vocabSize }), dls, plugins: ['model-resetter', 'rnn-outputs'] });
 * ```
 */
export default definePlugin({
  name: 'model-resetter',
  roles: ['state-reset'],
  beforeTrain(learn) {
    learn.model.reset?.();
  },
  beforeValidate(learn) {
    learn.model.reset?.();
  },
  afterFit(learn) {
    learn.model.reset?.();
  },
});
