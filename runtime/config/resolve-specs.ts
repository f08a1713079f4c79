/**
 * The names a config uses (plugins, loss, metrics, optimizer), checked and resolved before any data is
 * loaded; a problem is a ConfigError at the key that holds the name.
 */
import { isStepper, type Plugin, type PluginFactory, type Stepper } from '../../plugin-sdk/index.ts';
import { DEFAULT_PLUGINS } from '../learner/learner.ts';
import { LOSSES, type LossSpec } from '../losses.ts';
import { METRICS, type MetricSpec } from '../metrics.ts';
import { isPresetName, PRESET_NAMES, loadStepper, type OptimizerSpec } from '../optimizer/index.ts';
import { isPathSpecifier, loadModule } from '../plugins/load-module.ts';
import { loadPlugin, type PluginSpec } from '../plugins/load-plugins.ts';
import { resolveOrder } from '../plugins/resolve-order.ts';
import { checkOrderReferences } from '../learner/order-references.ts';
import type { ModelNeeds } from './factories.ts';
import { importSpec } from './import-spec.ts';
import { at, checkOptions, fail } from './problems.ts';
import type { LoadedConfig } from './discover.ts';

/** Load every configured plugin, validating its options against its own schema; report under `plugins[i]`. */
export async function checkPlugins(loaded: LoadedConfig, needs: ModelNeeds | undefined, extra: readonly PluginSpec[]): Promise<Plugin[]> {
  const { displayName: file, baseDir, config } = loaded;
  const specs = [...(config.plugins ?? [])] as PluginSpec[];
  const named = (s: PluginSpec) => (typeof s === 'string' ? s : Array.isArray(s) ? s[0] : null);
  for (const need of needs?.plugins ?? []) if (!specs.some((s) => named(s) === need)) specs.push(need);
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
  const defaults = await at(file, ['plugins'], () => Promise.all(DEFAULT_PLUGINS.map((s) => loadPlugin(s, baseDir))));
  const extras = await at(file, ['plugins'], () => Promise.all(extra.map((s) => loadPlugin(s, baseDir))));
  const all = [...defaults.filter((d) => !plugins.some((p) => p.name === d.name)), ...plugins, ...extras.filter((e) => !plugins.some((p) => p.name === e.name))];
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
