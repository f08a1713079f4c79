import type { HyperOverrides, HyperValue } from './optimizer.ts';
import type { LookaheadOptions } from './lookahead.ts';

export const PRESET_NAMES = ['sgd', 'rmsprop', 'adam', 'radam', 'qhadam', 'larc', 'lamb', 'ranger'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function isPresetName(value: unknown): value is PresetName {
  return typeof value === 'string' && (PRESET_NAMES as readonly string[]).includes(value);
}

/** What a preset expands to: stepper names, the hypers to pass, and lookahead options for `ranger`. */
export interface PresetPlan {
  steppers: string[];
  hypers: HyperOverrides;
  lookahead?: LookaheadOptions;
}

/** Non-hyper options a preset takes out of the overrides (fastai's keyword arguments that are not hypers). */
const OPTION_KEYS = ['decoupleWd', 'k', 'alpha'];

/** fastai's `defaults.lr`: presets start there; the Learner or `setHyper('lr', …)` sets the real value. */
const DEFAULT_LR = 1e-3;

/** Signature defaults of fastai's preset constructors (`Adam(params, lr, mom=0.9, …)`), in camelCase. */
const PRESET_HYPERS: Record<PresetName, Record<string, number>> = {
  sgd: { lr: DEFAULT_LR, mom: 0, wd: 0 },
  rmsprop: { lr: DEFAULT_LR, mom: 0, sqrMom: 0.99, eps: 1e-8, wd: 0 },
  adam: { lr: DEFAULT_LR, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0.01, dampening: 1 },
  radam: { lr: DEFAULT_LR, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0, beta: 0, dampening: 1 },
  qhadam: { lr: DEFAULT_LR, mom: 0.999, sqrMom: 0.999, nu1: 0.7, nu2: 1, eps: 1e-8, wd: 0, dampening: 1 },
  larc: { lr: DEFAULT_LR, mom: 0.9, clip: 1, trustCoeff: 0.02, eps: 1e-8, wd: 0 },
  lamb: { lr: DEFAULT_LR, mom: 0.9, sqrMom: 0.99, eps: 1e-5, wd: 0, dampening: 1 },
  ranger: { lr: DEFAULT_LR, mom: 0.95, sqrMom: 0.99, eps: 1e-6, wd: 0.01, beta: 0, dampening: 1 },
};

const isNonZero = (v: HyperValue | undefined): boolean =>
  typeof v === 'number' || typeof v === 'boolean' ? Boolean(v) : Array.isArray(v) ? v.some(Boolean) : v !== undefined;

/**
 * fastai's preset constructors (spec §3.6). `decoupleWd: false` swaps `weight-decay` for `l2-reg`; the
 * stepper list of `sgd`, `rmsprop` and `larc` depends on whether `mom` is non-zero, as in fastai.
 */
export function presetPlan(name: PresetName, overrides: HyperOverrides = {}): PresetPlan {
  const hypers: Record<string, HyperValue> = { ...PRESET_HYPERS[name] };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined && !OPTION_KEYS.includes(key)) hypers[key] = value;
  }
  const wd = overrides.decoupleWd === false ? 'l2-reg' : 'weight-decay';
  const mom = isNonZero(hypers.mom);
  const adamLike = ['average-grad', 'average-sqr-grad', 'step-stat'];
  const steppers: Record<PresetName, string[]> = {
    sgd: mom ? [wd, 'average-grad', 'momentum-step'] : [wd, 'sgd-step'],
    rmsprop: [wd, ...(mom ? ['average-grad'] : []), 'average-sqr-grad', 'rms-prop-step'],
    adam: [wd, ...adamLike, 'adam-step'],
    radam: [wd, ...adamLike, 'radam-step'],
    qhadam: [wd, ...adamLike, 'qhadam-step'],
    larc: [wd, ...(mom ? ['average-grad'] : []), 'larc-layer-lr', 'larc-step'],
    lamb: [wd, ...adamLike, 'lamb-step'],
    ranger: [wd, ...adamLike, 'radam-step'],
  };
  const plan: PresetPlan = { steppers: steppers[name], hypers };
  if (name === 'ranger') {
    plan.lookahead = { k: numberOption(overrides.k, 6), alpha: numberOption(overrides.alpha, 0.5) };
  }
  return plan;
}

function numberOption(value: HyperValue | undefined, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
