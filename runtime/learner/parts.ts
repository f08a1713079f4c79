import type * as tf from '@tensorflow/tfjs';
import type { DataLoaders, LossFunc, Metric, Module, OptimizerLike, Plugin, PluginRequest } from '../../plugin-sdk/index.ts';
import { initBackend, type BackendName } from '../backend/index.ts';
import { resolveLoss, type LossSpec } from '../losses.ts';
import { resolveMetric, type MetricSpec } from '../metrics.ts';
import { toModule } from '../models/layers-module.ts';
import { resolveOptimizer, type OptimizerSpec } from '../optimizer/index.ts';
import { assemblePlugins } from '../plugin-host/plugin-set.ts';
import { checkTrainable } from './check-learner.ts';

/** Marks the options of a learner made for inference only (`loadLearner`): it may have no training data. */
export const FOR_INFERENCE = Symbol('tapfit.forInference');

export interface LearnerOptions {
  model: Module | tf.LayersModel;
  dls: DataLoaders;
  /** A loss function or a built-in name; default `'cross-entropy'`. */
  lossFunc?: LossSpec;
  /** A preset (`'adam'`, the default), `{ steppers, hypers }`, or a factory `(paramGroups) => optimizer`. */
  optimizer?: OptimizerSpec;
  plugins?: readonly PluginRequest[];
  metrics?: readonly MetricSpec[];
  /** fastai's defaults: lr 1e-3, moms (0.95, 0.85, 0.95); `wd` overrides the optimizer's default. */
  lr?: number;
  wd?: number;
  moms?: [number, number, number];
  /** Parameter groups (fastai's splitter); default: `model.paramGroups()` or one group. */
  splitter?: (model: Module) => tf.Variable[][];
  /** Keep norm-layer parameters training when frozen (fastai's `train_bn`, default true). */
  trainBn?: boolean;
  /** Add the default plugins (the `recorder`) before the given ones; default true. */
  defaultPlugins?: boolean;
  backend?: BackendName;
  /** Where relative plugin paths and package names are resolved from; default `process.cwd()`. */
  baseDir?: string;
  /** Where plugins print; default `console.log`, and nothing when `quiet`. */
  logger?: (message: string) => void;
  quiet?: boolean;
  /**
   * A `runBefore`/`runAfter` naming a plugin that is not loaded is an error (`E_PLUGIN_INVALID`) rather than a
   * warning; default false.
   */
  strict?: boolean;
  /** @internal set by `loadLearner`: a learner for inference may have an empty training set. */
  [FOR_INFERENCE]?: boolean;
}

/** What `Learner.create` builds from its options before the learner exists. */
export interface LearnerParts {
  backend: string;
  model: Module;
  dls: DataLoaders;
  lossFunc: LossFunc;
  opt: OptimizerLike;
  metrics: Metric[];
  plugins: Plugin[];
  baseDir: string;
}

/** Start the backend, wrap the model, build the optimizer over its parameter groups, load the plugin set. */
export async function resolveParts(options: LearnerOptions): Promise<LearnerParts> {
  const backend = await initBackend(options.backend ?? 'auto');
  const model = toModule(options.model);
  checkTrainable(model.parameters(), 'model');
  const groups = options.splitter?.(model) ?? model.paramGroups?.() ?? [model.parameters()];
  const hypers = { lr: options.lr ?? 1e-3, ...(options.wd === undefined ? {} : { wd: options.wd }) };
  const opt = await resolveOptimizer(options.optimizer ?? 'adam', groups, hypers, {
    noWeightDecay: model.noWeightDecay?.(),
    normParameters: model.normParameters?.(),
    trainBn: options.trainBn ?? true,
  });
  const baseDir = options.baseDir ?? process.cwd();
  const plugins = await assemblePlugins({ defaults: options.defaultPlugins !== false, plugins: options.plugins, baseDir });
  return {
    backend,
    model,
    dls: options.dls,
    lossFunc: resolveLoss(options.lossFunc ?? 'cross-entropy'),
    opt,
    metrics: (options.metrics ?? []).map(resolveMetric),
    plugins,
    baseDir,
  };
}
