import path from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/discover.ts';
import { UsageError } from './errors.ts';
import type { CliIO } from './io.ts';

export interface ConfigFlags {
  config?: string;
  epochs?: number;
  lr?: number;
}

/** Find and validate the config, then apply the command line's overrides (`--epochs`, `--lr`). */
export async function loadForCli(flags: ConfigFlags, io: CliIO): Promise<LoadedConfig> {
  const loaded = await loadConfig({ cwd: io.cwd, configFile: flags.config });
  const fit = { ...loaded.config.fit };
  if (flags.epochs !== undefined) {
    if (fit.method === 'sgdr') throw new UsageError(`--epochs does not apply to fit.method "sgdr" in ${loaded.displayName} (it trains fit.cycles cycles)`);
    fit.epochs = flags.epochs;
  }
  if (flags.lr !== undefined) fit.lr = flags.lr;
  return { ...loaded, config: { ...loaded.config, fit } };
}

/** `--output` (from the working directory), else the config's `output` (from its folder), else `out/` beside the config. */
export function outputDir(loaded: LoadedConfig, flag: string | undefined, io: CliIO): string {
  if (flag) return path.resolve(io.cwd, flag);
  return path.resolve(loaded.baseDir, loaded.config.output ?? 'out');
}
