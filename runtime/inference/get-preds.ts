import * as tf from '@tensorflow/tfjs';
import { lossInfo, TapfitError, type DataLoader } from '../../plugin-sdk/index.ts';
import type { Learner } from './pass.ts';
import { gatherPass } from './pass.ts';

export interface GetPredsOptions {
  /** Default: the validation loader (`learn.dls.valid`). */
  dl?: DataLoader;
  /** Also return the inputs (fastai's `with_input`). */
  withInput?: boolean;
  /** Also return the per-item losses (fastai's `with_loss`). */
  withLoss?: boolean;
  /** Also return the decoded predictions (fastai's `with_decoded`: the loss's `decodes`, argmax for cross-entropy). */
  withDecoded?: boolean;
  /** Applied to the raw predictions; default the loss's activation (softmax for cross-entropy), else none. */
  act?: (pred: tf.Tensor) => tf.Tensor;
}

/** `getPreds`'s result; every tensor is the caller's to dispose. */
export interface Preds {
  preds: tf.Tensor;
  /** The first target (empty loaders, or inputs without targets: `null`). */
  targets: tf.Tensor | null;
  inputs?: tf.Tensor[];
  losses?: tf.Tensor;
  decoded?: tf.Tensor;
}

export interface ValidateOptions {
  /** Default: the validation loader. */
  dl?: DataLoader;
}

/** fastai's `Learner.validate`: `[validLoss, ...metrics]` over `dl`, means weighted by batch size. */
export async function validate(learn: Learner, options: ValidateOptions = {}): Promise<number[]> {
  const dl = options.dl ?? learn.dls.valid;
  const got = await gatherPass(learn, dl, { withMetrics: true });
  for (const t of [got.preds, ...got.targets, ...got.inputs, got.losses]) t?.dispose();
  if (!got.means) throw new TapfitError('E_DATA', 'validate: the loader gave no batch with targets');
  return got.means;
}

/** fastai's `Learner.get_preds`: predictions (activated), targets, and optionally inputs, losses, decoded. */
export async function getPreds(learn: Learner, options: GetPredsOptions = {}): Promise<Preds> {
  const dl = options.dl ?? learn.dls.valid;
  const got = await gatherPass(learn, dl, { withInput: options.withInput, withLoss: options.withLoss });
  const raw = got.preds;
  if (!raw) throw new TapfitError('E_DATA', 'getPreds: the loader gave no batch');
  const info = lossInfo(learn.lossFunc);
  const act = options.act ?? info.activation;
  const preds = act ? tf.tidy(() => act(raw)) : raw;
  if (preds !== raw) raw.dispose();
  const [targets = null, ...otherTargets] = got.targets;
  for (const t of otherTargets) t.dispose();
  const out: Preds = { preds, targets };
  if (options.withInput) out.inputs = got.inputs;
  else for (const t of got.inputs) t.dispose();
  if (got.losses) out.losses = got.losses;
  if (options.withDecoded) out.decoded = info.decodes ? tf.tidy(() => info.decodes!(preds)) : preds.clone();
  return out;
}
