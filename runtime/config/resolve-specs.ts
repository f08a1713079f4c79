/**
 * The names a config uses (plugins, loss, metrics, optimizer), checked and resolved before any data is
 * loaded; a problem is a ConfigError at the key that holds the name.
 */
import { isStepper, type Plugin, type PluginFactory, type PluginRequest, type PluginSpec, type Stepper } from '../../plugin-sdk/index.ts';
import { LOSSES, type LossSpec } from '../losses.ts';
import { METRICS, type MetricSpec } from '../metrics.ts';
import { isPresetName, PRESET_NAMES, loadStepper, type OptimizerSpec } from '../optimizer/index.ts';
import { isPathSpecifier, loadModule } from '../plugin-host/load-module.ts';
import { loadPlugin } from '../plugin-host/load-plugins.ts';
import { resolveOrder } from '../plugin-host/resolve-order.ts';
import { checkOrderReferences } from '../plugin-host/order-references.ts';
import { assemblePlugins } from '../plugin-host/plugin-set.ts';
import type { ModelNeeds } from './factories.ts';
import { importSpec } from './import-spec.ts';
import { at, checkOptions, fail } from './problems.ts';
import type { LoadedConfig } from './discover.ts';

/**
 * Load every configured plugin, validating its options against its own schema (a problem is reported under
 * `plugins[i]`), then the whole set as a learner will have it: defaults, these, the model's needs, the front-end's extras.
 */
export async function checkPlugins(loaded: LoadedConfig, needs: ModelNeeds | undefined, extras: readonly PluginRequest[]): Promise<Plugin[]> {
  const { displayName: file, baseDir, config } = loaded;
  const specs = (config.plugins ?? []) as readonly PluginSpec[];
  const named = (s: PluginSpec) => (typeof s === 'string' ? s : Array.isArray(s) ? s[0] : null);
  const plugins: Plugin[] = [];
  for (const [i, spec] of specs.entries()) {
    const keys = ['plugins', i];
    const name = named(spec);
    if (name !== null) {
      const options = Array.isArray(spec) ? spec[1] : undefined;
      const mod = await at(file, keys, () => loadModule(name, 'plugin', baseDir));
      const target = (mod.default ?? mod.plugin) as PluginFactory | Plugin | undefined;
      if (typeof target === 'function') {
        checkOptions(file, target.optionsSchema, options, Array.isArray(spec) ? [...keys, 1] : keys, `an option of plugin "${name}"`);
      }
    }
    plugins.push(await at(file, keys, () => loadPlugin(spec, baseDir)));
  }
  const all = await at(file, ['plugins'], () =>
    assemblePlugins({ defaults: true, plugins, extras: [...(needs?.plugins ?? []), ...extras], baseDir }),
  );
  await at(file, ['plugins'], () => checkOrderReferences(resolveOrder(all), config.strict ?? false));
  return all;
}

export async function checkLoss(loaded: LoadedConfig, fallback: string | undefined): Promise<LossSpec | undefined> {
  const spec = loaded.config.loss ?? fallback;
  if (spec === undefined) return undefined;
  if (Object.hasOwn(LOSSES, spec)) return spec;
  const { displayName: file, baseDir } = loaded;
  if (!isPathSpecifier(spec)) fail(file, ['loss'], `unknown loss "${spec}" (built-in: ${Object.keys(LOSSES).join(', ')}; or a module path)`);
  const mod = await at(file, ['loss'], () => importSpec(spec, baseDir));
  if (typeof mod.default !== 'function') fail(file, ['loss'], `module "${spec}" must default-export a loss function (pred, ...targets) => scalar`);
  return mod.default as LossSpec;
}

export async function checkMetrics(loaded: LoadedConfig, fallback: readonly string[] | undefined): Promise<MetricSpec[]> {
  const { displayName: file, baseDir } = loaded;
  const specs = loaded.config.metrics ?? fallback ?? [];
  const out: MetricSpec[] = [];
  for (const [i, spec] of specs.entries()) {
    if (Object.hasOwn(METRICS, spec)) out.push(spec);
    else if (!isPathSpecifier(spec)) fail(file, ['metrics', i], `unknown metric "${spec}" (built-in: ${Object.keys(METRICS).join(', ')}; or a module path)`);
    else {
      const mod = await at(file, ['metrics', i], () => importSpec(spec, baseDir));
      const m = mod.default;
      if (typeof m !== 'function' && !(typeof m === 'object' && m !== null && typeof (m as { fn?: unknown }).fn === 'function')) {
        fail(file, ['metrics', i], `module "${spec}" must default-export a metric function or { name, fn }`);
      }
      out.push(m as MetricSpec);
    }
  }
  return out;
}

/** A preset name, or `{ steppers, hypers }` with the steppers loaded here (so paths resolve from the config's folder). */
export async function checkOptimizer(loaded: LoadedConfig): Promise<OptimizerSpec | undefined> {
  const { displayName: file, baseDir, config } = loaded;
  const spec = config.optimizer;
  if (spec === undefined) return undefined;
  if (typeof spec === 'string') {
    if (!isPresetName(spec)) fail(file, ['optimizer'], `unknown optimizer preset "${spec}" (presets: ${PRESET_NAMES.join(', ')}; or { steppers, hypers })`);
    return spec;
  }
  const steppers: Stepper[] = [];
  for (const [i, s] of spec.steppers.entries()) {
    const stepper = await at(file, ['optimizer', 'steppers', i], () => loadStepper(s, baseDir));
    if (!isStepper(stepper)) fail(file, ['optimizer', 'steppers', i], `"${s}" is not a stepper`);
    steppers.push(stepper);
  }
  await at(file, ['optimizer', 'steppers'], () => resolveOrder(steppers, 'stepper'));
  return { steppers, hypers: spec.hypers, lookahead: spec.lookahead };
}
