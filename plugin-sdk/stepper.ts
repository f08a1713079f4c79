import type * as tf from '@tensorflow/tfjs';
import type { Hypers, ParamState } from './optimizer.ts';
import { TapfitError } from './errors.ts';

/** What a stepper sees for one parameter during one `opt.step()`. */
export interface StepContext {
  /** The parameter's value, as updated by the steppers that ran before this one in the same step. */
  readonly param: tf.Tensor;
  /** The gradient, possibly replaced by an earlier stepper (e.g. `l2-reg`). Never dispose it. */
  readonly grad: tf.Tensor;
  /** The parameter's state, including what earlier steppers returned in this step. */
  readonly state: Readonly<ParamState>;
  /** The hyper-parameters of the parameter's group. */
  readonly hypers: Readonly<Hypers>;
  /**
   * A float32 scalar tensor for `value`, shared by all parameters during one `opt.step()` and disposed
   * after it: cheaper than letting each op turn a JS number into a fresh tensor (`tf.mul(t, scalar(mom))`).
   */
  scalar(value: number): tf.Scalar;
}

/**
 * What a stepper returns: a new parameter value, a replaced gradient, and/or state entries to merge.
 * All tensors are created inside the optimizer's `tf.tidy`: never `keep` or dispose anything yourself.
 */
export interface StepResult {
  param?: tf.Tensor;
  grad?: tf.Tensor;
  state?: ParamState;
}

/**
 * One piece of an optimizer update (fastai's stepper functions `sgd_step`, `average_grad`, …): a pure
 * function of (param, grad, state, hypers). The optimizer runs its steppers in the order resolved from
 * `order` / `runBefore` / `runAfter`, fused into one `tf.tidy` per parameter, and assigns the param once.
 */
export interface Stepper {
  /** kebab-case, unique within an optimizer; a built-in's name is its file name in `plugins/steppers/`. */
  readonly name: string;
  /** Hyper-parameter defaults this stepper brings (merged in stepper order; explicit hypers win). */
  readonly defaults?: Readonly<Hypers>;
  /**
   * Tie-break among steppers free to go next; lower first, default 0. Built-ins use −20 for
   * gradient/weight transforms (`weight-decay`, `l2-reg`), −10 for statistics (`average-grad`, `step-stat`)
   * and 10 for the final update (`sgd-step`, `adam-step`, …).
   */
  readonly order?: number;
  readonly runBefore?: readonly string[];
  readonly runAfter?: readonly string[];
  /** Hyper names this stepper reads; creating an optimizer where one is missing fails naming it. */
  readonly requires?: readonly string[];
  step(ctx: StepContext): StepResult | undefined | void;
}

/**
 * Declares a stepper (identity with types). Example, fastai's `sgd_step`:
 * ```ts
 * export default defineStepper({
 *   name: 'sgd-step', order: 10, requires: ['lr'],
 *   step: ({ param, grad, hypers, scalar }) => ({ param: tf.sub(param, tf.mul(grad, scalar(hypers.lr))) }),
 * });
 * ```
 */
export function defineStepper<S extends Stepper>(stepper: S): S {
  return stepper;
}

/** True when `value` looks like a stepper (a name and a `step` function). */
export function isStepper(value: unknown): value is Stepper {
  const v = value as Partial<Stepper> | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.step === 'function';
}

/** A tensor entry of a parameter's state, or undefined when absent (e.g. `gradAvg` before the first step). */
export function stateTensor(state: Readonly<ParamState>, key: string): tf.Tensor | undefined {
  const value = state[key];
  if (value === undefined || typeof value === 'object') return value;
  throw new TapfitError('E_OPTIMIZER', `optimizer state "${key}" should be a tensor, got ${typeof value}`);
}

/** A tensor entry some earlier stepper must have produced; `stepper` names who needs it in the error. */
export function requireStateTensor(state: Readonly<ParamState>, key: string, stepper: string): tf.Tensor {
  const value = stateTensor(state, key);
  if (value) return value;
  throw new TapfitError('E_OPTIMIZER', `stepper "${stepper}" needs state "${key}", which no earlier stepper produced`);
}

/** A numeric entry of a parameter's state (e.g. `step`), or `fallback` when absent. */
export function stateNumber(state: Readonly<ParamState>, key: string, fallback: number): number {
  const value = state[key];
  return typeof value === 'number' ? value : fallback;
}

/** fastai's `debias(mom, damp, step) = damp·(1 − mom^step)/(1 − mom)`; `1 − mom^step` when `damp = 1 − mom`. */
export function debias(mom: number, damp: number, step: number): number {
  return (damp * (1 - mom ** step)) / (1 - mom);
}

/**
 * The Adam family's statistics of one parameter: its damped averages (from `average-grad`/`average-sqr-grad`)
 * and their debias terms at the current step (from `step-stat`): `d1 = 1 − mom^step`, `d2 = 1 − sqrMom^step`.
 */
export function adamStats(state: Readonly<ParamState>, hypers: Readonly<Hypers>, stepper: string) {
  const step = stateNumber(state, 'step', 0);
  return {
    step,
    gradAvg: requireStateTensor(state, 'gradAvg', stepper),
    sqrAvg: requireStateTensor(state, 'sqrAvg', stepper),
    d1: debias(hypers.mom, 1 - hypers.mom, step),
    d2: debias(hypers.sqrMom, 1 - hypers.sqrMom, step),
  };
}
