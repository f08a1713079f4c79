import { z } from 'zod';
import { MAX_LR } from '../fit/check-args.ts';

/** `{ error: 'expected …' }`: every leaf names what it expects, so a message reads `key: expected X, got Y`. */
const expecting = (what: string) => ({ error: `expected ${what}` });

const positiveInt = (what = 'a positive integer') => z.number(expecting(what)).int(expecting(what)).positive(expecting(what));
const positiveNumber = (what = 'a positive number') => z.number(expecting(what)).positive(expecting(what)).finite(expecting(what));
const fraction = (what = 'a number in [0, 1]') => z.number(expecting(what)).min(0, expecting(what)).max(1, expecting(what));
/** A learning rate: > 0 and ≤ MAX_LR (a larger one is a typo, see check-args.ts). */
const learningRate = () => positiveNumber().max(MAX_LR, expecting(`a learning rate ≤ ${MAX_LR}`));
const nonNegative = (what = 'a number ≥ 0') => z.number(expecting(what)).min(0, expecting(what)).finite(expecting(what));

/** A plugin object or factory put straight into a JS/TS config. */
const pluginValue = z.custom<object>(
  (v) => typeof v === 'function' || (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { name?: unknown }).name === 'string'),
  expecting('a plugin'),
);

/**
 * How a model or a data source is named: a built-in name (`'mnist-mlp'`), a module path exporting a factory
 * (`'./my-model.ts'`), either with options (`['mnist-mlp', { hidden: 32 }]`), or (in a JS/TS config) the
 * factory itself.
 */
const componentSpec = (what: string) =>
  z.union(
    [
      z.string().min(1),
      z.tuple([z.string().min(1), z.record(z.string(), z.unknown())]),
      z.custom<ComponentFactory>((v) => typeof v === 'function'),
    ],
    expecting(`${what} name, a module path, or [name, options]`),
  );

/** `'recorder'`, `['gradient-clip', { maxNorm: 1 }]`, `'./my-plugin.ts'`, `'tapfit-plugin-x'`, or a plugin object. */
const pluginSpec = z.union(
  [z.string().min(1), z.tuple([z.string().min(1), z.unknown()]), pluginValue],
  expecting('a plugin name, path or package, or [name, options]'),
);

const hyperValue = z.union(
  [z.number(), z.boolean(), z.array(z.number()), z.strictObject({ start: z.number().optional(), end: z.number() })],
  expecting('a number, a boolean, a number per group, or { start, end }'),
);

const optimizerSpec = z.union(
  [
    z.string(expecting('an optimizer preset name or { steppers, hypers }')).min(1),
    z.strictObject({
      steppers: z.array(z.string(expecting('a stepper name, path or package')).min(1), expecting('a list of steppers')).min(1, expecting('at least one stepper')),
      hypers: z.record(z.string(), hyperValue, expecting('an object of hyper-parameters')).optional(),
      lookahead: z.strictObject({ k: positiveInt().optional(), alpha: fraction().optional() }).optional(),
    }),
  ],
  expecting('an optimizer preset name or { steppers, hypers }'),
);

const common = {
  lr: learningRate().optional(),
  wd: nonNegative().optional(),
};

const moms = z.tuple([fraction(), fraction(), fraction()], expecting('[momStart, momMid, momEnd]'));

/** fastai's fit variants; each takes the arguments of its fastai counterpart, camelCased. */
const fitSchema = z.discriminatedUnion(
  'method',
  [
    z.strictObject({ method: z.literal('fit'), epochs: positiveInt(), ...common }),
    z.strictObject({
      method: z.literal('oneCycle'),
      epochs: positiveInt(),
      ...common,
      div: positiveNumber().optional(),
      divFinal: positiveNumber().optional(),
      pctStart: fraction().optional(),
      moms: moms.optional(),
    }),
    z.strictObject({
      method: z.literal('flatCos'),
      epochs: positiveInt(),
      ...common,
      divFinal: positiveNumber().optional(),
      pctStart: fraction().optional(),
    }),
    z.strictObject({
      method: z.literal('sgdr'),
      cycles: positiveInt(),
      cycleLen: positiveInt().optional(),
      cycleMult: positiveInt().optional(),
      ...common,
    }),
  ],
  expecting('a fit method'),
);

export const FIT_METHODS = ['fit', 'oneCycle', 'flatCos', 'sgdr'] as const;
export type FitMethod = (typeof FIT_METHODS)[number];

/** A missing `method` means `oneCycle`, fastai's recommended default; a missing `fit` means one epoch of it. */
const fitWithDefault = z.preprocess(
  (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) && !('method' in v) ? { method: 'oneCycle', ...v } : v),
  fitSchema,
);

export const BACKENDS = ['auto', 'cpu', 'wasm', 'tensorflow'] as const;

/** The whole config file. Unknown keys are errors (a typo should not be silently ignored). */
export const configSchema = z.strictObject(
  {
    model: componentSpec('a model'),
    data: componentSpec('a data source'),
    loss: z.string(expecting('a loss name or module path')).min(1).optional(),
    optimizer: optimizerSpec.optional(),
    plugins: z.array(pluginSpec, expecting('a list of plugins')).optional(),
    metrics: z.array(z.string(expecting('a metric name or module path')).min(1), expecting('a list of metrics')).optional(),
    fit: fitWithDefault.default({ method: 'oneCycle', epochs: 1 }),
    lrFind: z
      .strictObject({
        startLr: learningRate().optional(),
        endLr: learningRate().optional(),
        numIt: positiveInt().optional(),
        stopDiv: z.boolean(expecting('true or false')).optional(),
      })
      .optional(),
    backend: z.enum(BACKENDS, expecting(`one of ${BACKENDS.map((b) => `"${b}"`).join(', ')}`)).optional(),
    seed: z.number(expecting('an integer')).int(expecting('an integer')).optional(),
    /** A plugin's runBefore/runAfter naming a plugin that is not loaded is an error, not a warning. */
    strict: z.boolean(expecting('true or false')).optional(),
    output: z.string(expecting('a directory path')).min(1, expecting('a directory path')).optional(),
  },
  expecting('an object (the tapfit config)'),
);

/** What the built-in and module factories receive besides their own options. */
export interface FactoryContext {
  /** The config's `seed` (default 0): factories seed their initializers and shuffling with it. */
  seed: number;
  /** The directory of the config file: relative paths inside options resolve from here. */
  baseDir: string;
}

/** A model or data factory given directly in a JS/TS config. */
export type ComponentFactory = (options: Record<string, unknown>, ctx: FactoryContext & { dls?: unknown }) => unknown;

type FitInput = z.input<typeof fitSchema>;
/** The config as written (what `defineConfig` type-checks); `fit.method` may be left out (`oneCycle`). */
export type TapfitConfig = Omit<z.input<typeof configSchema>, 'fit'> & {
  fit?: FitInput | Omit<Extract<FitInput, { method: 'oneCycle' }>, 'method'>;
};
/** The config after validation and defaults. */
export type ResolvedConfig = z.output<typeof configSchema>;
export type FitConfig = ResolvedConfig['fit'];

/** Identity with types: gives a `tapfit.config.ts` completion and checking. */
export function defineConfig(config: TapfitConfig): TapfitConfig {
  return config;
}
