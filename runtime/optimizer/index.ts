/**
 * fastai's generic optimizer over TensorFlow.js variables: an `Optimizer` runs stepper plugins
 * (`plugins/steppers/*.ts`) per parameter; presets build the usual ones (SGD, Adam, …).
 */
export { createOptimizer, resolveOptimizer } from './create.ts';
export type { CreateOptions, OptimizerExtras, OptimizerSpec, StepperSpec } from './create.ts';
export { Optimizer, toParamGroups } from './optimizer.ts';
export type { Grads, HyperOverrides, HyperValue, ParamsArg } from './optimizer.ts';
export { Lookahead, lookahead } from './lookahead.ts';
export type { LookaheadExtra, LookaheadOptions } from './lookahead.ts';
export { PRESET_NAMES, isPresetName, presetPlan } from './presets.ts';
export type { PresetName, PresetPlan } from './presets.ts';
export { loadStepper, loadSteppers } from './load-steppers.ts';
export { evenMults, spreadHyper } from './spread-hyper.ts';
