import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPathSpecifier } from '../plugins/load-module.ts';

/** Import a module named by a file path (relative to `baseDir`) or a package name (resolved from `baseDir`). */
export async function importSpec(spec: string, baseDir: string): Promise<Record<string, unknown>> {
  let url: string;
  if (spec.startsWith('file:')) url = spec;
  else if (isPathSpecifier(spec)) url = pathToFileURL(path.resolve(baseDir, spec)).href;
  else {
    try {
      url = pathToFileURL(createRequire(path.join(baseDir, 'noop.js')).resolve(spec)).href;
    } catch {
      url = spec; // ESM-only packages have no "require" condition: let import() resolve the name
    }
  }
  return (await import(url)) as Record<string, unknown>;
}
