import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

/** The folder of built-in plugins; each sub-folder `plugins/<name>/index.{ts,js}` is one plugin. */
export const BUILTIN_PLUGIN_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url));
/** Built-in optimizer steppers: `plugins/steppers/<name>.ts`. */
export const BUILTIN_STEPPER_DIR = path.join(BUILTIN_PLUGIN_DIR, 'steppers');

/** `.ts` when running from the sources (tsx, vitest), `.js` from the built package. */
const MODULE_EXT = path.extname(fileURLToPath(import.meta.url));

export type RegistryKind = 'plugin' | 'stepper';

const extra: Record<RegistryKind, Map<string, string>> = { plugin: new Map(), stepper: new Map() };

function scan(kind: RegistryKind): Map<string, string> {
  const table = new Map<string, string>();
  if (kind === 'plugin') {
    for (const entry of readdirSync(BUILTIN_PLUGIN_DIR, { withFileTypes: true })) {
      const index = path.join(BUILTIN_PLUGIN_DIR, entry.name, `index${MODULE_EXT}`);
      if (entry.isDirectory() && entry.name !== 'steppers' && existsSync(index)) {
        table.set(entry.name, pathToFileURL(index).href);
      }
    }
  } else if (existsSync(BUILTIN_STEPPER_DIR)) {
    for (const file of readdirSync(BUILTIN_STEPPER_DIR)) {
      const name = path.basename(file, MODULE_EXT);
      if (file.endsWith(MODULE_EXT) && !file.endsWith('.d.ts') && !name.endsWith('.test') && name !== 'index') {
        table.set(name, pathToFileURL(path.join(BUILTIN_STEPPER_DIR, file)).href);
      }
    }
  }
  return table;
}

const cache: Partial<Record<RegistryKind, Map<string, string>>> = {};

/**
 * name → module specifier of every built-in (found by scanning the plugins folder, so adding a plugin
 * needs no edit here) plus those registered at run time.
 */
export function registry(kind: RegistryKind = 'plugin'): ReadonlyMap<string, string> {
  const builtin = (cache[kind] ??= scan(kind));
  return new Map([...builtin, ...extra[kind]]);
}

/** Make a plugin or stepper loadable by a short name. */
export function register(kind: RegistryKind, name: string, specifier: string): void {
  extra[kind].set(name, specifier);
}

interface RoleTable {
  ROLE_PROVIDERS: Readonly<Record<string, string>>;
  DEFAULT_ROLES: readonly string[];
}
let roleTable: Promise<RoleTable> | undefined;
const extraRoles = new Map<string, string>();

/** The built-in plugins' role table (`plugins/roles.ts`), read once. */
function builtinRoles(): Promise<RoleTable> {
  roleTable ??= import(pathToFileURL(path.join(BUILTIN_PLUGIN_DIR, `roles${MODULE_EXT}`)).href) as Promise<RoleTable>;
  return roleTable;
}

/** The plugin (a registry name or module specifier) that fills `role`: one registered with `registerRole`, else the built-in. */
export async function roleProvider(role: string): Promise<string | undefined> {
  return extraRoles.get(role) ?? (await builtinRoles()).ROLE_PROVIDERS[role];
}

/** The roles a learner has unless `defaultPlugins: false`. */
export async function defaultRoles(): Promise<readonly string[]> {
  return (await builtinRoles()).DEFAULT_ROLES;
}

/** Let `specifier` (a registry name, path or package) fill `role` wherever the runtime asks for one. */
export function registerRole(role: string, specifier: string): void {
  extraRoles.set(role, specifier);
}
