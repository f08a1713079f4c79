import * as tf from '@tensorflow/tfjs';
import {
  TapfitError,
  type HyperSlice,
  type Hypers,
  type OptimizerLike,
  type OptimizerStateDict,
  type ParamState,
  type Stepper,
} from '../../plugin-sdk/index.ts';
import { resolveOrder } from '../plugin-host/resolve-order.ts';
import { spreadHyper } from './spread-hyper.ts';
import { deserialiseState, disposeState, serialiseState } from './state-dict.ts';

/** One flat list of variables (one group) or a list of groups. */
export type ParamsArg = readonly tf.Variable[] | readonly (readonly tf.Variable[])[];

/** Hyper values as given by a user: a number, a boolean (stored as 1/0), one per group, or an `lr`-style slice. */
export type HyperValue = number | boolean | readonly number[] | HyperSlice;
export type HyperOverrides = { readonly [name: string]: HyperValue | undefined };

/** The gradients of one step: by variable name, or aligned with the flattened parameters. */
export type Grads = tf.NamedTensorMap | readonly (tf.Tensor | null | undefined)[];

export function toParamGroups(params: ParamsArg): tf.Variable[][] {
  if (params.length > 0 && Array.isArray(params[0])) return (params as readonly (readonly tf.Variable[])[]).map((g) => [...g]);
  return [[...(params as readonly tf.Variable[])]];
}

function toHyperValue(value: HyperValue): number | readonly number[] | HyperSlice {
  return typeof value === 'boolean' ? Number(value) : value;
}

/**
 * fastai's generic `Optimizer`: for every parameter with a gradient, runs the steppers (ordered by
 * `order`/`runBefore`/`runAfter`) on (param, grad, state, group hypers). One parameter's steppers run inside
 * one `tf.tidy`: intermediate tensors die there, the new state tensors are kept and the old ones disposed,
 * and the variable is assigned once at the end.
 */
export class Optimizer implements OptimizerLike {
  readonly paramGroups: tf.Variable[][];
  readonly hypers: Hypers[];
  /** The steppers, in the order they run. */
  readonly steppers: readonly Stepper[];
  private readonly states = new Map<tf.Variable, ParamState>();
  private frozenIdx = 0;

  /**
   * Initial hypers: the steppers' `defaults` merged in run order (later win), then `hypers` on top, each
   * spread over the groups like `setHyper`. A hyper some stepper `requires` but nobody provides is an error.
   */
  constructor(params: ParamsArg, steppers: readonly Stepper[], hypers: HyperOverrides = {}) {
    this.paramGroups = toParamGroups(params);
    this.steppers = resolveOrder(steppers, 'stepper');
    this.hypers = this.paramGroups.map(() => ({}));
    const merged: Record<string, HyperValue> = {};
    for (const stepper of this.steppers) Object.assign(merged, stepper.defaults);
    for (const [name, value] of Object.entries(hypers)) if (value !== undefined) merged[name] = value;
    for (const [name, value] of Object.entries(merged)) this.setHyper(name, toHyperValue(value));
    this.checkRequiredHypers();
    for (const param of this.paramGroups.flat()) {
      if (this.states.has(param)) throw new TapfitError('E_OPTIMIZER', `parameter "${param.name}" appears twice in the optimizer's groups`);
      this.states.set(param, {});
    }
  }

  get stepperNames(): string[] {
    return this.steppers.map((s) => s.name);
  }

  private checkRequiredHypers(): void {
    for (const stepper of this.steppers) {
      for (const name of stepper.requires ?? []) {
        const group = this.hypers.findIndex((h) => typeof h[name] !== 'number');
        if (group >= 0) {
          throw new TapfitError(
            'E_OPTIMIZER',
            `stepper "${stepper.name}" needs hyper-parameter "${name}", which no stepper default nor option provides` +
              (this.hypers.length > 1 ? ` (group ${group})` : '') +
              ` — pass it, e.g. createOptimizer(params, spec, { ${name}: … })`,
          );
        }
      }
    }
  }

  setHyper(name: string, value: number | readonly number[] | HyperSlice): void {
    spreadHyper(name, value, this.hypers.length).forEach((v, i) => {
      this.hypers[i][name] = v;
    });
  }

  step(grads: Grads): void {
    const gradOf = gradLookup(grads, this.paramGroups.flat());
    const scalars = new ScalarCache();
    try {
      let index = 0;
      this.paramGroups.forEach((group, g) => {
        for (const param of group) {
          const grad = gradOf(param, index++);
          // A frozen parameter has no gradient in fastai; here the caller may still pass one.
          if (grad && param.trainable) this.stepParam(param, grad, this.hypers[g], scalars);
        }
      });
    } finally {
      scalars.dispose();
    }
  }

  private stepParam(param: tf.Variable, grad: tf.Tensor, hypers: Hypers, scalars: ScalarCache): void {
    const old = this.states.get(param)!;
    const next = tf.tidy(() => {
      let value: tf.Tensor = param;
      let g = grad;
      let state = old;
      for (const stepper of this.steppers) {
        const result = stepper.step({ param: value, grad: g, state, hypers, scalar: scalars.get });
        if (!result) continue;
        if (result.param) value = result.param;
        if (result.grad) g = result.grad;
        if (result.state) state = { ...state, ...result.state };
      }
      if (value !== param) param.assign(value);
      for (const [key, entry] of Object.entries(state)) {
        if (typeof entry !== 'object' || entry === old[key]) continue;
        // State must own its tensors: never keep the caller's gradient, the variable or a shared scalar.
        state[key] = tf.keep(entry === grad || entry === param || scalars.has(entry) ? entry.clone() : entry);
      }
      return state;
    });
    if (next !== old) disposeState(old, new Set(Object.values(next).filter((v): v is tf.Tensor => typeof v === 'object')));
    this.states.set(param, next);
  }

  /** A no-op: tfjs gradients are fresh tensors each batch (returned by `tf.variableGrads`), never accumulated on the variable. */
  zeroGrad(): void {}

  state(param: tf.Variable): ParamState {
    const state = this.states.get(param);
    if (!state) throw new TapfitError('E_OPTIMIZER', `parameter "${param.name}" is not in this optimizer`);
    return state;
  }

  /** fastai's `clear_state`: forget statistics, keep each parameter's `forceTrain`/`doWd` flags. */
  clearState(): void {
    for (const [param, state] of this.states) {
      disposeState(state);
      const kept: ParamState = {};
      if (state.forceTrain !== undefined) kept.forceTrain = state.forceTrain;
      if (state.doWd !== undefined) kept.doWd = state.doWd;
      this.states.set(param, kept);
    }
  }

  stateDict(): OptimizerStateDict {
    return {
      hypers: this.hypers.map((h) => ({ ...h })),
      state: this.paramGroups.flat().map((p) => serialiseState(this.states.get(p)!)),
    };
  }

  /** Replaces hypers and per-parameter state (positionally); refused when group or parameter counts differ. */
  loadStateDict(sd: OptimizerStateDict): void {
    const params = this.paramGroups.flat();
    if (!Array.isArray(sd?.hypers) || sd.hypers.length !== this.hypers.length) {
      throw new TapfitError(
        'E_OPTIMIZER',
        `optimizer state dict has ${sd?.hypers?.length ?? 'no'} hyper groups, this optimizer has ${this.hypers.length} parameter groups`,
      );
    }
    if (!Array.isArray(sd.state) || sd.state.length !== params.length) {
      throw new TapfitError(
        'E_OPTIMIZER',
        `optimizer state dict has state for ${sd.state?.length ?? 'no'} parameters, this optimizer has ${params.length}`,
      );
    }
    sd.hypers.forEach((h, i) => {
      const target = this.hypers[i];
      for (const key of Object.keys(target)) delete target[key];
      Object.assign(target, h);
    });
    params.forEach((p, i) => {
      disposeState(this.states.get(p)!);
      this.states.set(p, deserialiseState(sd.state[i]));
    });
  }

  /**
   * fastai's `freeze_to(n)`: groups before `n` stop training (`trainable = false`) except parameters whose
   * state has `forceTrain`; the others train. Negative `n` counts from the end.
   */
  freezeTo(n: number): void {
    this.frozenIdx = n >= 0 ? n : this.paramGroups.length + n;
    if (this.frozenIdx >= this.paramGroups.length) {
      console.warn(`tapfit: freezing ${this.frozenIdx} groups of ${this.paramGroups.length}: the whole model is frozen`);
    }
    for (const group of this.paramGroups.slice(n)) for (const p of group) p.trainable = true;
    for (const group of this.paramGroups.slice(0, n)) for (const p of group) p.trainable = this.states.get(p)!.forceTrain === true;
  }

  /** Freeze every group but the last (needs at least two groups). */
  freeze(): void {
    if (this.paramGroups.length <= 1) {
      throw new TapfitError('E_OPTIMIZER', 'freeze() needs at least two parameter groups (split the model into groups first)');
    }
    this.freezeTo(-1);
  }

  unfreeze(): void {
    this.freezeTo(0);
  }

  /** Index of the first group that trains (fastai's `frozen_idx`). */
  get frozenIndex(): number {
    return this.frozenIdx;
  }

  dispose(): void {
    for (const state of this.states.values()) disposeState(state);
    for (const param of this.states.keys()) this.states.set(param, {});
  }
}

/** Scalars by value for one `step()`: created once, shared by every parameter, disposed at the end. */
class ScalarCache {
  private readonly scalars = new Map<number, tf.Scalar>();
  readonly get = (value: number): tf.Scalar => {
    let s = this.scalars.get(value);
    if (!s) {
      s = tf.keep(tf.scalar(value, 'float32'));
      this.scalars.set(value, s);
    }
    return s;
  };
  has(t: tf.Tensor): boolean {
    for (const s of this.scalars.values()) if (s === t) return true;
    return false;
  }
  dispose(): void {
    for (const s of this.scalars.values()) s.dispose();
    this.scalars.clear();
  }
}

/** `(param, flatIndex) → grad` for either form of `grads`. */
function gradLookup(grads: Grads, params: readonly tf.Variable[]): (p: tf.Variable, i: number) => tf.Tensor | undefined {
  if (Array.isArray(grads)) {
    const list = grads as readonly (tf.Tensor | null | undefined)[];
    if (list.length !== params.length) {
      throw new TapfitError('E_OPTIMIZER', `step() got ${list.length} gradients for ${params.length} parameters (give one per parameter, null to skip)`);
    }
    return (_, i) => list[i] ?? undefined;
  }
  const map = grads as tf.NamedTensorMap;
  return (p) => map[p.name];
}
