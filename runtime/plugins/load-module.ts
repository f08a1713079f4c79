import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TapfitError } from '../../plugin-sdk/index.ts';
import { registry, type RegistryKind } from './registry.ts';

export function isPathSpecifier(spec: string): boolean {
  return spec.startsWith('.') || path.isAbsolute(spec) || spec.startsWith('file:');
}

/**
 * The module a specifier names: a built-in name (from the registry), a file path (relative to
 * `baseDir`), or an npm package name (resolved from `baseDir`, as the user's own `import` would).
 * Loaded with `import()`: the runtime never imports a plugin statically.
 */
export async function loadModule(spec: string, kind: RegistryKind, baseDir: string): Promise<Record<string, unknown>> {
  const builtin = registry(kind).get(spec);
  let url: string;
  if (builtin) url = builtin;
  else if (spec.startsWith('file:')) url = spec;
  else if (isPathSpecifier(spec)) url = pathToFileURL(path.resolve(baseDir, spec)).href;
  else url = resolvePackage(spec, baseDir);
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const what = builtin ? `built-in ${kind}` : isPathSpecifier(spec) ? 'file' : 'package';
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const known = builtin || isPathSpecifier(spec) ? '' : ` (built-in ${kind}s: ${[...registry(kind).keys()].join(', ')})`;
    throw new TapfitError('E_PLUGIN_LOAD', `cannot load ${kind} "${spec}" as a ${what}: ${reason}${known}`, { cause: error });
  }
}

function resolvePackage(spec: string, baseDir: string): string {
  try {
    return pathToFileURL(createRequire(path.join(baseDir, 'noop.js')).resolve(spec)).href;
  } catch {
    // ESM-only packages have no "require" export condition: let import() resolve the bare name.
    return spec;
  }
}
