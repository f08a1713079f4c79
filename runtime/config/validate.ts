import { problemsFromIssues } from '../../plugin-sdk/index.ts';
import { configSchema, type ResolvedConfig } from './schema.ts';
import { ConfigError } from './errors.ts';

/** Parse a raw config; on failure throw a `ConfigError` listing every problem. */
export function validateConfig(raw: unknown, file: string): ResolvedConfig {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigError(file, problemsFromIssues(parsed.error.issues, raw, configSchema));
}
