import type * as tf from '@tensorflow/tfjs';

/** Hyper-parameters of one parameter group, camelCase fastai names: `lr, mom, sqrMom, eps, wd, …`. */
export type Hypers = Record<string, number>;

/** fastai's `slice(start, end)` for discriminative learning rates across groups. */
export interface HyperSlice {
  start?: number;
  end: number;
}

/** What is in one parameter's optimizer state: tensors (averages) and numbers (step counts, flags). */
export type ParamState = Record<string, tf.Tensor | number | boolean>;

/** A plain, serialisable optimizer state: tensors as `{ shape, values }`. */
export interface OptimizerStateDict {
  hypers: Hypers[];
  state: Record<string, { shape: number[]; values: number[] } | number | boolean>[];
  /** Extra state of wrappers such as lookahead. */
  extra?: unknown;
}

/** The optimizer as the learner and plugins see it. */
export interface OptimizerLike {
  readonly paramGroups: readonly (readonly tf.Variable[])[];
  /** One object per group. */
  readonly hypers: Hypers[];
  /** One value for all groups, one per group, or a slice spread across groups (for `lr`). */
  setHyper(name: string, value: number | readonly number[] | HyperSlice): void;
  /** Apply one update; a parameter with no gradient is skipped. The caller keeps ownership of `grads`. */
  step(grads: tf.NamedTensorMap | readonly (tf.Tensor | null | undefined)[]): void;
  zeroGrad(): void;
  state(param: tf.Variable): ParamState;
  clearState(): void;
  stateDict(): OptimizerStateDict;
  loadStateDict(sd: OptimizerStateDict): void;
  freezeTo(n: number): void;
  freeze(): void;
  unfreeze(): void;
  /** The stepper names, in the order they run (for `tapfit explain`). */
  readonly stepperNames: readonly string[];
  dispose(): void;
}
