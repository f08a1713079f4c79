import { TapfitError, type Plugin, type PluginRequest, type PluginSpec, type RoleRequest } from '../../plugin-sdk/index.ts';
import { loadPlugin } from './load-plugins.ts';
import { defaultRoles, roleProvider } from './registry.ts';

export function isRoleRequest(request: PluginRequest): request is RoleRequest {
  return typeof request === 'object' && request !== null && !Array.isArray(request) && typeof (request as RoleRequest).role === 'string' && !('name' in request);
}

/** The spec that fills a role request (its provider from the registry, with the options). */
export async function specForRole({ role, options }: RoleRequest): Promise<PluginSpec> {
  const provider = await roleProvider(role);
  if (provider === undefined) throw new TapfitError('E_PLUGIN_LOAD', `no plugin provides the role "${role}" (register one with registerRole)`);
  return options === undefined ? provider : [provider, options];
}

export async function loadRequest(request: PluginRequest, baseDir: string): Promise<Plugin> {
  return loadPlugin(isRoleRequest(request) ? await specForRole(request) : request, baseDir);
}

export interface PluginSetOptions {
  /** Put the default roles' plugins (the recorder) first; default true. */
  defaults?: boolean;
  /** The learner's own plugins (from code or a config), loaded already or not. */
  plugins?: readonly (PluginRequest | Plugin)[];
  /** Plugins a front-end adds after them (the CLI's progress bar, a model's needs); skipped where one of the same name is given. */
  extras?: readonly PluginRequest[];
  /** Where relative specifiers resolve from. */
  baseDir: string;
}

/**
 * The one place a learner's plugin set is assembled: the defaults, then the given plugins, then the extras; a
 * given plugin replaces a default or an extra of the same name. The order they run in is resolved when tapped.
 */
export async function assemblePlugins(options: PluginSetOptions): Promise<Plugin[]> {
  const load = (requests: readonly PluginRequest[]) => Promise.all(requests.map((r) => loadRequest(r, options.baseDir)));
  const defaults = options.defaults === false ? [] : await load((await defaultRoles()).map((role) => ({ role })));
  const given = await load(options.plugins ?? []);
  const extras = await load(options.extras ?? []);
  const named = new Set(given.map((p) => p.name));
  const fill = (plugins: Plugin[]) =>
    plugins.filter((p) => {
      if (named.has(p.name)) return false;
      named.add(p.name);
      return true;
    });
  return [...fill(defaults), ...given, ...fill(extras)];
}

/** @deprecated The default plugins are the providers of the default roles (`plugins/roles.ts`); kept for one release. */
export const DEFAULT_PLUGINS: readonly PluginRequest[] = [{ role: 'recorder' }];
