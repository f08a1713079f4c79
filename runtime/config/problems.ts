import type { z } from 'zod';
import { ConfigError, errorSummary, formatKeyPath, type ConfigProblem } from './errors.ts';
import { problemsFromIssues } from '../../plugin-sdk/index.ts';

/** Run `fn`; turn whatever it throws into a `ConfigError` at `keys` (a `ConfigError` passes through). */
export async function at<T>(file: string, keys: readonly PropertyKey[], fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(file, [{ path: formatKeyPath(keys), message: errorSummary(error, 4) }], { cause: error });
  }
}

export function fail(file: string, keys: readonly PropertyKey[], message: string): never {
  throw new ConfigError(file, [{ path: formatKeyPath(keys), message }]);
}

/** Validate `options` with a factory's own schema, reporting problems under `keys`. */
export function checkOptions(file: string, schema: z.ZodType | undefined, options: unknown, keys: readonly PropertyKey[], owner: string): unknown {
  if (!schema) return options;
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return parsed.data;
  const problems: ConfigProblem[] = problemsFromIssues(parsed.error.issues, options ?? {}, schema, keys).map((p) => ({
    path: p.path,
    message: `${p.message} (${owner})`,
  }));
  throw new ConfigError(file, problems);
}
