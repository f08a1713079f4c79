import type * as tf from '@tensorflow/tfjs';
import { TapfitError, type OptimizerLike, type Stepper } from '../../plugin-sdk/index.ts';
import { Optimizer, toParamGroups, type HyperOverrides, type HyperValue, type ParamsArg } from './optimizer.ts';
import { Lookahead, type LookaheadOptions } from './lookahead.ts';
import { PRESET_NAMES, isPresetName, presetPlan, type PresetName } from './presets.ts';
import { loadSteppers } from './load-steppers.ts';

/** An optimizer built from steppers: names (built-in, file path, package) or stepper objects. */
export interface StepperSpec {
  steppers: readonly (string | Stepper)[];
  hypers?: HyperOverrides;
  /** Wrap the result in lookahead (fastai's `Lookahead`). */
  lookahead?: LookaheadOptions;
}

/** How a Learner is told which optimizer to use. */
export type OptimizerSpec =
  | PresetName
  | StepperSpec
  | ((params: tf.Variable[][]) => OptimizerLike | Promise<OptimizerLike>);

export interface CreateOptions {
  /** Where relative stepper paths and package names are resolved from (default: the working directory). */
  baseDir?: string;
}

/**
 * Build an optimizer from a preset name (`'adam'`, …, `'ranger'` = lookahead(radam)) or a stepper list.
 * `hypers` override the preset's/steppers' defaults (`decoupleWd: false` picks `l2-reg`; `k`, `alpha` are
 * ranger's lookahead options). Async because steppers are modules loaded with `import()`.
 * @example const opt = await createOptimizer(model.parameters(), 'adam', { lr: 1e-3, wd: 0.01 });
 */
export async function createOptimizer(
  params: ParamsArg,
  spec: PresetName | StepperSpec,
  hypers: HyperOverrides = {},
  options: CreateOptions = {},
): Promise<OptimizerLike> {
  let plan: { steppers: readonly (string | Stepper)[]; hypers: HyperOverrides; lookahead?: LookaheadOptions };
  if (typeof spec === 'string') {
    if (!isPresetName(spec)) {
      throw new TapfitError('E_OPTIMIZER', `unknown optimizer preset "${spec}" (presets: ${PRESET_NAMES.join(', ')}; or pass { steppers: [...] })`);
    }
    plan = presetPlan(spec, hypers);
  } else if (spec && Array.isArray(spec.steppers)) {
    plan = { steppers: spec.steppers, hypers: { ...spec.hypers, ...definedOnly(hypers) }, lookahead: spec.lookahead };
  } else {
    throw new TapfitError('E_OPTIMIZER', 'an optimizer spec is a preset name, { steppers: [...], hypers? } or a function of the parameter groups');
  }
  const steppers = await loadSteppers(plan.steppers, options.baseDir);
  const opt = new Optimizer(params, steppers, plan.hypers);
  return plan.lookahead ? new Lookahead(opt, plan.lookahead) : opt;
}

function definedOnly(hypers: HyperOverrides): Record<string, HyperValue> {
  return Object.fromEntries(Object.entries(hypers).filter(([, v]) => v !== undefined)) as Record<string, HyperValue>;
}

/** Which parameters get special state (fastai's `wd_bn_bias=False` and `train_bn=True`). */
export interface OptimizerExtras {
  /** These get `doWd: false`: no weight decay (biases and norm layers). */
  noWeightDecay?: readonly tf.Variable[];
  /** With `trainBn` (default true), these get `forceTrain: true`: they keep training when frozen. */
  normParameters?: readonly tf.Variable[];
  trainBn?: boolean;
  baseDir?: string;
}

/**
 * What the Learner calls: any `OptimizerSpec` → an optimizer over `params`, with `hypers` applied (for a
 * function spec, through `setHyper`) and the per-parameter `doWd` / `forceTrain` flags set.
 */
export async function resolveOptimizer(
  spec: OptimizerSpec,
  params: tf.Variable[][],
  hypers: HyperOverrides = {},
  extras: OptimizerExtras = {},
): Promise<OptimizerLike> {
  let opt: OptimizerLike;
  if (typeof spec === 'function') {
    opt = await spec(toParamGroups(params));
    for (const [name, value] of Object.entries(hypers)) {
      if (value !== undefined) opt.setHyper(name, typeof value === 'boolean' ? Number(value) : value);
    }
  } else {
    opt = await createOptimizer(params, spec, hypers, { baseDir: extras.baseDir });
  }
  for (const p of extras.noWeightDecay ?? []) opt.state(p).doWd = false;
  if (extras.trainBn ?? true) for (const p of extras.normParameters ?? []) opt.state(p).forceTrain = true;
  return opt;
}
