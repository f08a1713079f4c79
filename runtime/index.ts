/**
 * tapfit: a fastai-style training loop for TensorFlow.js.
 */
export { Learner, type LearnerOptions, type FitOptions } from './learner/learner.ts';
export { DEFAULT_PLUGINS, assemblePlugins, type PluginSetOptions } from './plugin-host/plugin-set.ts';
export { registerRole } from './plugin-host/registry.ts';
export { DataLoaders, TensorDataLoader, type LoaderOptions } from './data/dataloaders.ts';
export { mnist, mnistArrays } from './data/mnist.ts';
export { Rng } from './data/rng.ts';
export { LMDataLoader, LMDataLoaders, type LMLoaderOptions } from './data/lm.ts';
export { humanNumbers, numberWords, type HumanNumbers } from './data/human-numbers.ts';
export { LayersModule, toModule } from './models/layers-module.ts';
export { mnistCnn, mnistMlp } from './models/mnist.ts';
export { LstmLM, type LstmLmOptions, type LstmState } from './models/lstm-lm.ts';
export { crossEntropy, mse, bceWithLogits, labelSmoothingCrossEntropy, LOSSES, resolveLoss, type LossSpec } from './losses.ts';
export { accuracy, errorRate, perplexity, METRICS, resolveMetric, type MetricSpec } from './metrics.ts';
export { resolveOrder, type Orderable } from './plugin-host/resolve-order.ts';
export { loadPlugin, loadPlugins, type PluginSpec } from './plugin-host/load-plugins.ts';
export { registry, register } from './plugin-host/registry.ts';
export { initBackend, type BackendName } from './backend/index.ts';
export { installInterruptHandler, resumeCommand, resumeNextFit, readCheckpoint, EXIT_INTERRUPTED, LAST_CHECKPOINT, CHECKPOINT_VERSION, type InterruptHandler, type InterruptOptions, type Checkpoint } from './checkpoint/index.ts';
export {
  defineConfig,
  loadConfig,
  learnerFromConfig,
  runFit,
  ConfigError,
  type TapfitConfig,
  type ResolvedConfig,
  type LoadedConfig,
} from './config/index.ts';
export {
  setInferenceInfo,
  inferenceInfo,
  type InferenceInfo,
  type GetPredsOptions,
  type Preds,
  type ValidateOptions,
  type Prediction,
  type ShowResultsOptions,
} from './inference/index.ts';
export { ClassificationInterpretation, type InterpretationData, type FromLearnerOptions } from './interpret/index.ts';
export { type ExportOptions, type ExportManifest } from './export/index.ts';
export { loadLearner, type LoadLearnerOptions } from './learner/load-learner.ts';
export * from '../plugin-sdk/index.ts';
export * from './fit/index.ts';
export * from './optimizer/index.ts';
