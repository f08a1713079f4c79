import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { DataLoaders, Module } from '../../plugin-sdk/index.ts';
import { isLayersModel } from '../models/layers-module.ts';
import { isPathSpecifier } from '../plugin-host/load-module.ts';
import { errorSummary } from './errors.ts';
import type { BuiltinDef } from './factories.ts';
import { importSpec } from './import-spec.ts';
import { at, checkOptions, fail } from './problems.ts';
import type { LoadedConfig } from './discover.ts';
import type { FactoryContext, ResolvedConfig } from './schema.ts';

type ComponentSpecValue = ResolvedConfig['model'];

export function splitSpec(spec: ComponentSpecValue): { name: string | null; options: Record<string, unknown> | undefined; fn?: (...a: never[]) => unknown } {
  if (typeof spec === 'string') return { name: spec, options: undefined };
  if (Array.isArray(spec)) return { name: spec[0], options: spec[1] };
  return { name: null, options: undefined, fn: spec as (...a: never[]) => unknown };
}

/**
 * A model or data source from a built-in name, a module path/package (default export: a factory), or a
 * function: resolved and its options validated now, created later (after everything else is checked).
 */
export async function prepareComponent<C extends FactoryContext>(
  loaded: LoadedConfig,
  key: 'model' | 'data',
  builtins: Readonly<Record<string, BuiltinDef<C>>>,
): Promise<(ctx: C) => Promise<unknown>> {
  const { displayName: file, baseDir } = loaded;
  const { name, options, fn } = splitSpec(loaded.config[key]);
  const optionKeys = options === undefined ? [key] : [key, 1];
  let factory: (options: Record<string, unknown>, ctx: C) => unknown;
  let schema: z.ZodType | undefined;
  let label: string;
  if (fn) {
    factory = fn as typeof factory;
    schema = (fn as { optionsSchema?: z.ZodType }).optionsSchema;
    label = `${key} factory`;
  } else if (name && Object.hasOwn(builtins, name)) {
    const def = builtins[name];
    factory = def.create;
    schema = def.options;
    label = `built-in ${key} "${name}"`;
  } else {
    const spec = name!;
    const kind = key === 'model' ? 'model' : 'data source';
    if (!isPathSpecifier(spec) && !spec.includes('/') && !spec.startsWith('@') && !/^tapfit-/.test(spec)) {
      // A bare word that is not a built-in is more likely a typo than a package.
      const known = Object.keys(builtins);
      fail(file, [key], `unknown ${kind} "${spec}" (built-in: ${known.join(', ')}; or a module path such as ./my-${key}.ts)`);
    }
    const mod = await at(file, [key], async () => {
      try {
        return await importSpec(spec, baseDir);
      } catch (error) {
        throw new Error(`cannot load ${kind} module "${spec}": ${errorSummary(error, 2)}`);
      }
    });
    const exported = mod.default;
    if (typeof exported !== 'function') fail(file, [key], `module "${spec}" must default-export a ${kind} factory (options, ctx) => ${key === 'model' ? 'model' : 'DataLoaders'}`);
    factory = exported as typeof factory;
    schema = (exported as { optionsSchema?: z.ZodType }).optionsSchema;
    label = `${kind} module "${spec}"`;
  }
  const parsed = checkOptions(file, schema, options, optionKeys, `an option of ${label}`) as Record<string, unknown> | undefined;
  return (ctx) =>
    at(file, [key], async () => {
      try {
        return await factory(parsed ?? {}, ctx);
      } catch (error) {
        throw new Error(`${label} failed: ${errorSummary(error, 3)}`);
      }
    });
}

export function isDataLoaders(value: unknown): value is DataLoaders {
  const v = value as Partial<DataLoaders> | null;
  const isLoader = (l: unknown) => typeof l === 'object' && l !== null && typeof (l as Iterable<unknown>)[Symbol.iterator] === 'function';
  return typeof v === 'object' && v !== null && isLoader(v.train) && isLoader(v.valid);
}

export function isModule(value: unknown): value is Module | tf.LayersModel {
  if (isLayersModel(value)) return true;
  const v = value as Partial<Module> | null;
  return typeof v === 'object' && v !== null && typeof v.forward === 'function' && typeof v.parameters === 'function';
}
