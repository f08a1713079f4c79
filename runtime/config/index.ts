/**
 * Config files (`tapfit.config.ts`, `.tapfitrc`, `package.json#tapfit`, …): discovery, validation, and the
 * learner they describe.
 */
export { loadConfig, SEARCH_PLACES, type LoadConfigOptions, type LoadedConfig } from './discover.ts';
export { validateConfig } from './validate.ts';
export { ConfigError, type ConfigProblem } from './errors.ts';
export { configSchema, defineConfig, FIT_METHODS, type FactoryContext, type FitConfig, type ResolvedConfig, type TapfitConfig } from './schema.ts';
export { learnerFromConfig, type BuildOptions } from './build.ts';
export { runFit, explainFit, type FitExplanation } from './run-fit.ts';
export { BUILTIN_DATA, BUILTIN_MODELS } from './factories.ts';
