import { TapfitError } from '../../plugin-sdk/index.ts';
import { initBackend } from '../backend/index.ts';
import { Learner } from '../learner/learner.ts';
import type { PluginRequest } from '../../plugin-sdk/index.ts';
import { isDataLoaders, isModule, prepareComponent, splitSpec } from './components.ts';
import { ConfigError, errorSummary, showValue } from './errors.ts';
import { BUILTIN_DATA, BUILTIN_MODELS, type ModelContext } from './factories.ts';
import { at, fail } from './problems.ts';
import { checkLoss, checkMetrics, checkOptimizer, checkPlugins } from './resolve-specs.ts';
import type { LoadedConfig } from './discover.ts';
import type { FactoryContext } from './schema.ts';

export interface BuildOptions {
  /** Plugins added after the config's (the CLI adds `progress` unless `--quiet`). */
  extraPlugins?: readonly PluginRequest[];
  quiet?: boolean;
  /** Where plugins print; default `console.log`. */
  logger?: (message: string) => void;
}

/**
 * Build a ready `Learner` from a validated config: every name is checked (plugins with their own option
 * schemas, steppers, loss, metrics) before any data is loaded, and every failure is a `ConfigError` naming
 * the file and the key.
 */
export async function learnerFromConfig(loaded: LoadedConfig, options: BuildOptions = {}): Promise<Learner> {
  const { config, displayName: file, baseDir } = loaded;
  const modelName = splitSpec(config.model).name;
  const needs = modelName && Object.hasOwn(BUILTIN_MODELS, modelName) ? BUILTIN_MODELS[modelName].needs : undefined;
  const plugins = await checkPlugins(loaded, needs, options.extraPlugins ?? []);
  const lossFunc = await checkLoss(loaded, needs?.loss);
  const metrics = await checkMetrics(loaded, needs?.metrics);
  const optimizer = await checkOptimizer(loaded);

  const createData = await prepareComponent(loaded, 'data', BUILTIN_DATA);
  const createModel = await prepareComponent<ModelContext>(loaded, 'model', BUILTIN_MODELS);

  await at(file, ['backend'], () => initBackend(config.backend ?? 'auto'));
  const ctx: FactoryContext = { seed: config.seed ?? 0, baseDir };
  const dls = await createData(ctx);
  if (!isDataLoaders(dls)) fail(file, ['data'], `the data factory returned ${showValue(dls)}, expected DataLoaders ({ train, valid })`);
  const model = await createModel({ ...ctx, dls });
  if (!isModule(model)) fail(file, ['model'], `the model factory returned ${showValue(model)}, expected a tf.LayersModel or a Module ({ forward, parameters })`);

  try {
    return await Learner.create({
      model,
      dls,
      lossFunc,
      optimizer,
      metrics,
      plugins,
      defaultPlugins: false,
      lr: config.fit.lr,
      wd: config.fit.wd,
      backend: config.backend,
      baseDir,
      logger: options.logger,
      quiet: options.quiet,
      strict: config.strict,
    });
  } catch (error) {
    if (!(error instanceof TapfitError)) throw error;
    const key = error.code === 'E_OPTIMIZER' ? 'optimizer' : error.code === 'E_ORDER_CYCLE' || error.code.startsWith('E_PLUGIN') ? 'plugins' : '';
    throw new ConfigError(file, [{ path: key, message: errorSummary(error, 4) }], { cause: error });
  }
}
