import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cosmiconfig, defaultLoaders, type Loader } from 'cosmiconfig';
import { importUrl } from '../plugin-host/import-url.ts';
import { ConfigError, displayPath, errorSummary } from './errors.ts';
import { validateConfig } from './validate.ts';
import { boundedYamlLoader } from './yaml.ts';
import type { ResolvedConfig } from './schema.ts';

export const MODULE_NAME = 'tapfit';

/** Where a config is looked for, in this order, from the working directory up to the project root. */
export const SEARCH_PLACES = [
  'package.json',
  `.${MODULE_NAME}rc`,
  `.${MODULE_NAME}rc.json`,
  `.${MODULE_NAME}rc.yaml`,
  `.${MODULE_NAME}rc.yml`,
  `.${MODULE_NAME}rc.js`,
  `.${MODULE_NAME}rc.cjs`,
  `.${MODULE_NAME}rc.mjs`,
  `.${MODULE_NAME}rc.ts`,
  `${MODULE_NAME}.config.js`,
  `${MODULE_NAME}.config.cjs`,
  `${MODULE_NAME}.config.mjs`,
  `${MODULE_NAME}.config.ts`,
] as const;

/**
 * JS and TS configs are loaded with this module's own `import()`, so they go through whatever loads
 * TypeScript here (tsx for the CLI, vite under vitest) and may import `tapfit` (cosmiconfig's own TS loader
 * would write a transpiled copy beside the file instead).
 */
const importLoader: Loader = async (filepath, content) => {
  let mod: { default?: unknown };
  try {
    mod = (await importUrl(pathToFileURL(filepath).href)) as { default?: unknown };
  } catch (error) {
    throw (await syntaxError(filepath, content)) ?? withoutErrorCode(error);
  }
  return mod.default ?? mod;
};

/**
 * cosmiconfig takes any ENOENT during a search to mean "this config file does not exist" and moves on to the
 * next one: a config that exists but fails while loading (it reads a missing `hparams.json`) must be reported,
 * not skipped, so its error reaches cosmiconfig without the code.
 */
function withoutErrorCode(error: unknown): unknown {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code === undefined) return error;
  return new Error(error.message, { cause: error });
}

/**
 * Loaders report a syntax error in a config module in their own ways (tsx may even call it a require cycle),
 * so when an import fails, TypeScript's parser says where the file is broken, if it is.
 */
async function syntaxError(filepath: string, content: string): Promise<Error | null> {
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    return null; // typescript is not installed: the loader's own message stands
  }
  const out = ts.transpileModule(content, { fileName: filepath, reportDiagnostics: true, compilerOptions: { allowJs: true } });
  const first = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (!first) return null;
  const where = first.file && first.start !== undefined ? first.file.getLineAndCharacterOfPosition(first.start) : null;
  const at = where ? ` (line ${where.line + 1}, column ${where.character + 1})` : '';
  return new SyntaxError(`syntax error${at}: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}`);
}

function explorer() {
  return cosmiconfig(MODULE_NAME, {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'project',
    cache: false,
    loaders: { ...defaultLoaders, '.yaml': boundedYamlLoader, '.yml': boundedYamlLoader, noExt: boundedYamlLoader, '.js': importLoader, '.cjs': importLoader, '.mjs': importLoader, '.ts': importLoader },
  });
}

/** A config, validated, with the file it came from. */
export interface LoadedConfig {
  config: ResolvedConfig;
  /** Absolute path of the config file. */
  file: string;
  /** The file as messages name it (relative to the working directory when inside it). */
  displayName: string;
  /** Relative paths in the config (modules, plugins, `output`) resolve from here: the file's directory. */
  baseDir: string;
}

export interface LoadConfigOptions {
  /** Where the search starts and `configFile` resolves from; default `process.cwd()`. */
  cwd?: string;
  /** An explicit file (`--config`): no search. */
  configFile?: string;
}

/** Find (or read the given) config file, parse it and validate it. Every failure is a `ConfigError`. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const found = options.configFile ? await readExplicit(path.resolve(cwd, options.configFile), cwd) : await search(cwd);
  const displayName = displayPath(found.filepath, cwd);
  return {
    config: validateConfig(found.config, displayName),
    file: found.filepath,
    displayName,
    baseDir: path.dirname(found.filepath),
  };
}

async function readExplicit(file: string, cwd: string): Promise<{ filepath: string; config: unknown }> {
  const shown = displayPath(file, cwd);
  let isFile = false;
  try {
    isFile = (await stat(file)).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(shown, [{ path: '', message: code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? errorSummary(error, 1)})` }]);
  }
  if (!isFile) throw new ConfigError(shown, [{ path: '', message: 'cannot read the file: it is not a regular file' }]);
  try {
    const result = await explorer().load(file);
    if (!result || result.isEmpty) throw new ConfigError(shown, [{ path: '', message: 'the file is empty' }]);
    if (path.basename(file) === 'package.json' && result.config === undefined) {
      throw new ConfigError(shown, [{ path: MODULE_NAME, message: 'missing (package.json has no "tapfit" key)' }]);
    }
    return { filepath: result.filepath, config: result.config };
  } catch (error) {
    throw asReadError(error, shown);
  }
}

async function search(cwd: string): Promise<{ filepath: string; config: unknown }> {
  let result;
  try {
    result = await explorer().search(cwd);
  } catch (error) {
    const file = (error as { filepath?: string }).filepath;
    throw asReadError(error, file ? displayPath(file, cwd) : cwd);
  }
  if (!result) {
    throw new ConfigError(displayPath(cwd, cwd) || '.', [
      {
        path: '',
        message: `no tapfit config found here or in the folders above up to the project root (looked for package.json#tapfit, ${SEARCH_PLACES.slice(1).join(', ')}); pass --config <file>`,
      },
    ]);
  }
  return { filepath: result.filepath, config: result.config };
}

const isCodeFrame = (line: string) => /^\s*>?\s*\d*\s*[|│╭╰]/.test(line) || /^\s*-+\^\s*$/.test(line);

/**
 * A file that exists but cannot be parsed or imported: name it, say why (the parser's sentence first, then
 * at most a few lines of its code frame), no stack.
 */
function asReadError(error: unknown, shown: string): ConfigError {
  if (error instanceof ConfigError) return error;
  const lines = errorSummary(error, 14)
    .split('\n')
    // cosmiconfig's "JSON Error in /abs/path:" (the file is already named) and esbuild's preamble.
    .filter((l) => !/^(JSON|YAML|TypeScript) Error in /.test(l) && !/^Transform failed with \d+ errors?:?$/.test(l));
  const reason = lines.find((l) => !isCodeFrame(l)) ?? lines[0] ?? 'unknown error';
  const frame = [...new Set(lines.filter(isCodeFrame))].slice(0, 4);
  const message = [`cannot load the config: ${reason.trim()}`, ...frame.map((l) => `    ${l}`)].join('\n');
  return new ConfigError(shown, [{ path: '', message }], { cause: error });
}
