import { z } from 'zod';
import { EVENTS } from './events.ts';
import { didYouMean, suggest } from './did-you-mean.ts';
import { problemsFromIssues } from './option-problems.ts';
import type { Plugin, PluginFactory } from './types.ts';
import { TapfitError } from './errors.ts';

/** Every key the runtime reads from a plugin: the 24 events and the declarations above. */
export const PLUGIN_KEYS: ReadonlySet<string> = new Set<string>([
  'name', 'order', 'runBefore', 'runAfter', 'runTrain', 'runValid', 'roles', 'apply', 'onError', 'close', 'stateDict', 'loadStateDict',
  ...EVENTS,
]);

type KnownKey = keyof Plugin & string;
/** Keys that read as an event or a plugin declaration: a key like these that is not one is a typo. */
type ReservedLooking =
  | `${'before' | 'Before' | 'after' | 'After'}${string}`
  | Lowercase<KnownKey>
  | Uppercase<KnownKey>;
type PlainWord = 'before' | 'Before' | 'after' | 'After';
/** Marks each mistyped key of `P` with a message type, so the literal fails to type-check right there. */
export type CheckPluginKeys<P> = {
  [K in keyof P]: K extends KnownKey | PlainWord ? P[K] : K extends ReservedLooking ? `"${K & string}" is not a tapfit event or plugin key` : P[K];
};

/** Long enough that a near miss of a plugin key is a typo, not a short state name (`fname` is not `name`). */
const TYPO_MIN_LENGTH = 8;

function readsLikePluginKey(key: string): boolean {
  if (/^(before|after)./i.test(key)) return true;
  const near = suggest(key, PLUGIN_KEYS);
  return near !== undefined && (near.toLowerCase() === key.toLowerCase() || key.length >= TYPO_MIN_LENGTH);
}

/**
 * A key of `plugin` that is none of {@link PLUGIN_KEYS} but reads like one (an event spelt in another case,
 * `afterbatch`, `beforeStpe`, `runBefor`, `stateDic`) is almost surely a typo that would never be called. Other keys are the
 * plugin's own state and options, which live on the plugin object.
 */
export function checkPluginKeys(plugin: object, label: string): void {
  for (const key of Object.keys(plugin)) {
    if (PLUGIN_KEYS.has(key)) continue;
    if (readsLikePluginKey(key)) {
      throw new TapfitError(
        'E_PLUGIN_INVALID',
        `plugin "${label}": "${key}" is not an event or a plugin key${didYouMean(key, PLUGIN_KEYS)}`,
      );
    }
  }
}

/**
 * Gives a plugin object literal completion and `this` typed as the plugin, and refuses (in its type and when it
 * runs) a key that reads like an event or declaration but is none: `afterbatch` is reported, not ignored.
 */
export function definePlugin<P extends Plugin>(plugin: P & CheckPluginKeys<P> & ThisType<P>): P {
  checkPluginKeys(plugin, typeof plugin.name === 'string' ? plugin.name : '(unnamed)');
  return plugin;
}

/**
 * A plugin's options schema, made strict: an unknown key (`maxnorm` for `maxNorm`) is an error rather than
 * dropped, so a typo never trains with the defaults. A schema that chose a catch-all (`z.looseObject`) keeps it.
 */
function strictOptions<S extends z.ZodType>(schema: S): S {
  if (schema instanceof z.ZodObject && schema.def.catchall === undefined) return schema.strict() as unknown as S;
  return schema;
}

/**
 * Declares a plugin that takes options, validated by a zod schema:
 * `export default definePluginFactory({ name: 'gradient-clip', options: z.object({ maxNorm: z.number().positive() }), create: o => definePlugin({...}) })`.
 * Unknown option keys are refused (with a "did you mean"); a wrong value names the option and what was expected.
 */
export function definePluginFactory<S extends z.ZodType>(spec: {
  name: string;
  options: S;
  description?: string;
  create: (options: z.output<S>) => Plugin;
}): PluginFactory<z.input<S>> {
  const schema = strictOptions(spec.options);
  const factory = (options?: z.input<S>): Plugin => {
    const given = options ?? {};
    const parsed = schema.safeParse(given);
    if (!parsed.success) {
      const problems = problemsFromIssues(parsed.error.issues, given, schema)
        .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))
        .join('; ');
      throw new TapfitError('E_PLUGIN_INVALID', `plugin "${spec.name}": invalid options: ${problems}`);
    }
    return spec.create(parsed.data);
  };
  return Object.assign(factory, {
    pluginName: spec.name,
    optionsSchema: schema as unknown as z.ZodType<z.input<S>>,
    description: spec.description,
  });
}

