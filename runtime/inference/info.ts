import type { LearnerView as Learner } from '../../plugin-sdk/index.ts';

/** What inference needs besides the model and loss: how to name outputs and prepare inputs. */
export interface InferenceInfo {
  /** Class names by id (decoded predictions become these). */
  labels?: string[];
  /** Token strings by id, for a language model (decoded predictions become these). */
  vocab?: string[];
  /** Applied to raw inputs as `(x − mean)/std` before the model (fastai's `Normalize`). */
  normalize?: { mean: number[]; std: number[] };
  /** The shape of one input item (without the batch dimension). */
  itemShape?: number[];
}

const infos = new WeakMap<object, InferenceInfo>();

/** The learner's inference info: what was set (`setInferenceInfo`, `loadLearner`), then what its data loaders carry. */
export function inferenceInfo(learn: Learner): InferenceInfo {
  const fromData = learn.dls as { vocab?: unknown; labels?: unknown; normalize?: unknown };
  const strings = (v: unknown) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined);
  const set = infos.get(learn) ?? {};
  return {
    labels: set.labels ?? strings(fromData.labels),
    vocab: set.vocab ?? strings(fromData.vocab),
    normalize: set.normalize ?? (fromData.normalize as InferenceInfo['normalize']),
    itemShape: set.itemShape,
  };
}

/** Tell the learner its labels, vocab, normalisation or item shape (kept by `export`). */
export function setInferenceInfo(learn: Learner, info: InferenceInfo): void {
  infos.set(learn, { ...infos.get(learn), ...info });
}
