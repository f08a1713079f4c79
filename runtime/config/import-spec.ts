import { importUrl } from '../plugin-host/import-url.ts';
import { esmInteropHint, moduleUrl } from '../plugin-host/load-module.ts';

/** Import a module named by a file path (relative to `baseDir`) or a package name (resolved from `baseDir`). */
export async function importSpec(spec: string, baseDir: string): Promise<Record<string, unknown>> {
  try {
    return await importUrl(moduleUrl(spec, baseDir));
  } catch (error) {
    const hint = esmInteropHint(error);
    if (!hint) throw error;
    throw new Error(`${(error as Error).message}${hint}`, { cause: error });
  }
}
