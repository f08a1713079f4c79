import path from 'node:path';
import { TapfitError, type OptionProblem } from '../../plugin-sdk/index.ts';

export { formatKeyPath, showValue } from '../../plugin-sdk/index.ts';

/** One thing wrong with a config: where (`fit.epochs`, `plugins[1][1].maxNorm`; empty for the whole file) and what. */
export type ConfigProblem = OptionProblem;

/**
 * A config that cannot be used. The message has one line per problem, each naming the file and the key:
 * `tapfit.config.json: fit.epochs: expected a positive integer, got "three"`.
 */
export class ConfigError extends TapfitError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  constructor(file: string, problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    super('E_CONFIG', problems.map((p) => `${file}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'), options);
    this.name = 'ConfigError';
    this.file = file;
    this.problems = problems;
  }
}

/** The file as a person would name it: relative to the working directory when inside it. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** The first `maxLines` lines of an error's message (stacks and long code frames are for `--debug`). */
export function errorSummary(error: unknown, maxLines = 6): string {
  const message = (error instanceof Error ? error.message : String(error))
    .replace(/\x1b\[[0-9;]*m/g, '') // colours from esbuild/vite
    .replace(/ imported from \S+/g, ''); // which of our modules ran import() says nothing to the user
  return message.split('\n').filter((l) => l.trim()).slice(0, maxLines).join('\n');
}
