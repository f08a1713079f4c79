import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TapfitError } from '../../plugin-sdk/index.ts';
import { importUrl } from './import-url.ts';
import { registry, type RegistryKind } from './registry.ts';

export function isPathSpecifier(spec: string): boolean {
  return spec.startsWith('.') || path.isAbsolute(spec);
}

/** `data:`, `http:`, `file:`, `node:`, …: a URL scheme (a Windows drive, `C:\\`, is caught as a path first). */
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** An npm package name, scoped or not, with an optional subpath (`tapfit-plugin-x`, `@me/plugins/lr`). */
const PACKAGE_NAME = /^(@[a-z0-9~][\w.~-]*\/)?[a-z0-9~][\w.~-]*(\/[\w.~@-]+)*$/i;

/**
 * Modules are named by a built-in name, a package name or a file path, nothing else: a config file is data, and a
 * `data:text/javascript,…` or `https://…` specifier in it would run code that is in no file of the project.
 */
export function checkSpecifier(spec: string): void {
  if (isPathSpecifier(spec)) return;
  if (URL_SCHEME.test(spec)) {
    throw new TapfitError('E_PLUGIN_LOAD', `"${spec.slice(0, 60)}" is a URL; a module is named by a built-in name, a package name or a file path (./x.ts, /abs/x.js), not a URL`);
  }
  if (!PACKAGE_NAME.test(spec)) {
    throw new TapfitError('E_PLUGIN_LOAD', `"${spec.slice(0, 60)}" is neither a package name nor a file path (start a relative path with ./)`);
  }
}

/**
 * The module a specifier names: a built-in name (from the registry), a file path (relative to
 * `baseDir`), or an npm package name (resolved from `baseDir`, as the user's own `import` would).
 * Loaded with `import()`: the runtime never imports a plugin statically.
 */
export async function loadModule(spec: string, kind: RegistryKind, baseDir: string): Promise<Record<string, unknown>> {
  const builtin = registry(kind).get(spec);
  try {
    return await importUrl(builtin ?? moduleUrl(spec, baseDir));
  } catch (error) {
    const what = builtin ? `built-in ${kind}` : isPathSpecifier(spec) ? 'file' : 'package';
    const known = builtin || isPathSpecifier(spec) ? '' : ` (built-in ${kind}s: ${[...registry(kind).keys()].join(', ')})`;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new TapfitError('E_PLUGIN_LOAD', `cannot load ${kind} "${spec}" as a ${what}: ${reason}${esmInteropHint(error)}${known}`, { cause: error });
  }
}

/** The URL `import()` loads for a file path (relative to `baseDir`) or a package name (resolved from `baseDir`). */
export function moduleUrl(spec: string, baseDir: string): string {
  checkSpecifier(spec);
  if (isPathSpecifier(spec)) return pathToFileURL(path.resolve(baseDir, spec)).href;
  try {
    return pathToFileURL(createRequire(path.join(baseDir, 'noop.js')).resolve(spec)).href;
  } catch {
    // ESM-only packages have no "require" export condition: let import() resolve the bare name.
    return spec;
  }
}

/** The fix for the usual module-format mix-up (an ES module required from CommonJS), if that is what failed. */
export function esmInteropHint(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const esmFromCjs = code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_CYCLE_MODULE' || /require\(\) (of )?ES Module/i.test(message);
  return esmFromCjs ? ' (tapfit is an ES module: add "type": "module" to the package.json beside this file, or name it .mts)' : '';
}
