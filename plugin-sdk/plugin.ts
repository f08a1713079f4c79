import { z } from 'zod';
import type { BatchEvent, FitEvent } from './events.ts';
import type { Learner } from './types.ts';
import { TapfitError } from './errors.ts';

type BatchHandlers = { [E in BatchEvent]?: (learn: Learner) => void };
type FitHandlers = { [E in FitEvent]?: (learn: Learner) => void | Promise<void> };

/**
 * A plugin: a name, where it runs relative to others, and a method per event it handles
 * (webpack-style: nothing else). State lives on the plugin object.
 */
export interface Plugin extends BatchHandlers, FitHandlers {
  readonly name: string;
  /** Lower runs first among plugins not ordered by `runBefore`/`runAfter`; default 0 (fastai's `order`). */
  order?: number;
  /** Names of plugins this one must run before, on every event. Absent names are ignored. */
  runBefore?: readonly string[];
  /** Names of plugins this one must run after, on every event. Absent names are ignored. */
  runAfter?: readonly string[];
  /** fastai's `run_train`/`run_valid`: skip the inner-loop events of that phase. Default true. */
  runTrain?: boolean;
  runValid?: boolean;
  /** Free-form taps: called once with the learner after the event methods are tapped. */
  apply?(learn: Learner): void;
  /** Release what the plugin holds (files, tensors) when training fails. */
  onError?(learn: Learner, error: unknown): void | Promise<void>;
  /** State that must survive a checkpoint/resume. */
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}

/** Identity with types: gives a plugin object literal completion, and `this` typed as the plugin. */
export function definePlugin<P extends Plugin>(plugin: P & ThisType<P>): P {
  return plugin;
}

/** A plugin module's default export may be a factory taking options. */
export interface PluginFactory<O = unknown> {
  (options?: O): Plugin;
  /** The name the produced plugin will have (for listings before it is built). */
  readonly pluginName?: string;
  /** Validates options before `create` runs; the error names the plugin and the option path. */
  readonly optionsSchema?: z.ZodType<O>;
  readonly description?: string;
}

/**
 * Declares a plugin that takes options, validated by a zod schema:
 * `export default definePluginFactory({ name: 'gradient-clip', options: z.object({ maxNorm: z.number().positive() }), create: o => definePlugin({...}) })`.
 */
export function definePluginFactory<S extends z.ZodType>(spec: {
  name: string;
  options: S;
  description?: string;
  create: (options: z.output<S>) => Plugin;
}): PluginFactory<z.input<S>> {
  const factory = (options?: z.input<S>): Plugin => {
    const parsed = spec.options.safeParse(options ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.length ? i.path.join('.') : '(options)'}: ${i.message}`)
        .join('; ');
      throw new TapfitError('E_PLUGIN_INVALID', `plugin "${spec.name}": invalid options: ${issues}`);
    }
    return spec.create(parsed.data);
  };
  return Object.assign(factory, {
    pluginName: spec.name,
    optionsSchema: spec.options as unknown as z.ZodType<z.input<S>>,
    description: spec.description,
  });
}
