import { checkPluginKeys, TapfitError, type Plugin, type PluginFactory, type PluginSpec } from '../../plugin-sdk/index.ts';
import { loadModule } from './load-module.ts';

export type { PluginSpec } from '../../plugin-sdk/index.ts';

function describe(spec: PluginSpec): string {
  if (typeof spec === 'string') return spec;
  if (Array.isArray(spec)) return String(spec[0]);
  if (typeof spec === 'function') return spec.pluginName ?? (spec.name || '(factory)');
  return (spec as Plugin).name ?? '(plugin object)';
}

/** Turn one spec into a validated plugin instance. */
export async function loadPlugin(spec: PluginSpec, baseDir = process.cwd()): Promise<Plugin> {
  const label = describe(spec);
  let target: unknown = spec;
  let options: unknown;
  if (Array.isArray(spec)) [target, options] = spec;
  if (typeof target === 'string') {
    const mod = await loadModule(target, 'plugin', baseDir);
    target = mod.default ?? mod.plugin;
    if (target === undefined) {
      throw new TapfitError('E_PLUGIN_LOAD', `plugin "${label}": the module has no default export (a plugin or a factory)`);
    }
  }
  let plugin: unknown = target;
  if (typeof target === 'function') {
    try {
      plugin = (target as PluginFactory)(options);
    } catch (error) {
      if (error instanceof TapfitError) throw error;
      throw new TapfitError('E_PLUGIN_INVALID', `plugin "${label}": its factory threw: ${(error as Error).message}`, { cause: error });
    }
  } else if (options !== undefined) {
    throw new TapfitError('E_PLUGIN_INVALID', `plugin "${label}" takes no options (its module exports a plugin, not a factory)`);
  }
  return validatePlugin(plugin, label);
}

export async function loadPlugins(specs: readonly PluginSpec[], baseDir = process.cwd()): Promise<Plugin[]> {
  return Promise.all(specs.map((s) => loadPlugin(s, baseDir)));
}

function validatePlugin(value: unknown, label: string): Plugin {
  const fail = (what: string): never => {
    throw new TapfitError('E_PLUGIN_INVALID', `plugin "${label}": ${what}`);
  };
  if (value === null || typeof value !== 'object') fail(`expected a plugin object or factory, got ${value === null ? 'null' : typeof value}`);
  const p = value as Record<string, unknown>;
  if (typeof p.name !== 'string' || p.name.length === 0) fail('has no name (a plugin needs a non-empty string `name`)');
  if (p.order !== undefined && (typeof p.order !== 'number' || Number.isNaN(p.order))) fail('`order` must be a number');
  for (const key of ['runBefore', 'runAfter'] as const) {
    const list = p[key];
    if (list !== undefined && !(Array.isArray(list) && list.every((x) => typeof x === 'string'))) {
      fail(`\`${key}\` must be an array of plugin names`);
    }
  }
  checkPluginKeys(p, label);
  return value as Plugin;
}
