import { z } from 'zod';
import { definePluginFactory, gatherPreds } from '../../plugin-sdk/index.ts';

const options = z.object({
  /** Keep the inputs too (fastai's `with_input`). */
  withInput: z.boolean().default(false),
  /** Keep the per-item losses (fastai's `with_loss`). */
  withLoss: z.boolean().default(false),
});

/**
 * fastai's `GatherPredsCallback` as a plugin: during validation it keeps every batch's prediction and targets
 * (and inputs, per-item losses); `plugin.result()` hands them over concatenated. `learn.getPreds()` uses the
 * same plugin (from the SDK's `gatherPreds`); this entry lets a config or a fit add it by name.
 *
 * ```ts
 * plugins: [['gather-preds', { withLoss: true }]]
 * ```
 */
export default definePluginFactory({
  name: 'gather-preds',
  options,
  description: "keeps the validation predictions and targets (GatherPredsCallback)",
  create: (opts) => gatherPreds(opts),
});
