import type * as tf from '@tensorflow/tfjs';
import type { EventName, LoadOptions, PluginRequest, SaveOptions } from '../../plugin-sdk/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint/index.ts';
import * as fitVariants from '../fit/index.ts';
import * as inference from '../inference/index.ts';
import { loadRequest } from '../plugin-host/plugin-set.ts';
import type { DanglingReference } from '../plugin-host/resolve-order.ts';
import { explainHooks } from '../plugin-host/tap-plugins.ts';
import { checkCreateOptions } from './check-learner.ts';
import { LearnerLoop } from './loop.ts';
import { FOR_INFERENCE, resolveParts, type LearnerOptions, type LearnerParts } from './parts.ts';

export type { FitOptions } from '../../plugin-sdk/index.ts';
export type { LearnerOptions } from './parts.ts';

/**
 * fastai's Learner over TensorFlow.js: the loop (`LearnerLoop`) fires one hook per event, plugins do the rest. This
 * class builds a learner, manages its plugins and delegates the fit variants, checkpoints and inference.
 */
export class Learner extends LearnerLoop {
  private constructor(parts: LearnerParts, options: LearnerOptions) {
    super(parts, options);
  }

  /** Builds a ready learner (backend, optimizer, plugins loaded and tapped) and fires `afterCreate`. */
  static async create(options: LearnerOptions): Promise<Learner> {
    checkCreateOptions(options, options[FOR_INFERENCE] === true);
    const parts = await resolveParts(options);
    const learn = new Learner(parts, options);
    learn.active.setBase(parts.plugins);
    try {
      await learn.fire('afterCreate');
    } catch (error) {
      await learn.hooks.onError.promise(learn, error);
      throw error;
    }
    return learn;
  }

  /** The active plugins' `runBefore`/`runAfter` entries that name no active plugin (ignored when ordering). */
  get danglingOrder(): DanglingReference[] {
    return this.active.dangling;
  }
  /** Add plugins for the rest of this learner's life (fastai's `add_cbs`). */
  async addPlugins(requests: readonly PluginRequest[]): Promise<void> {
    const added = await Promise.all(requests.map((r) => loadRequest(r, this.baseDir)));
    this.active.setBase([...this.active.baseSet, ...added]);
  }
  /** Remove a plugin by name (fastai's `remove_cb`). */
  removePlugin(name: string): void {
    this.active.setBase(this.active.baseSet.filter((p) => p.name !== name));
  }
  /** For each event, the plugins (and direct taps) that run on it, in order. */
  explain(): { event: EventName; taps: string[] }[] {
    return explainHooks(this);
  }
  /** Release what plugins keep beyond a fit (a dashboard's server, open files): each plugin's `close()`. */
  async close(): Promise<void> {
    for (const plugin of this.active.list) await plugin.close?.();
  }

  // ── fit variants and checkpoints: thin delegations to runtime/fit/ and runtime/checkpoint/ ──
  /** fastai's `fit_one_cycle`. */
  fitOneCycle(nEpoch: number, lrMax?: fitVariants.LrSpec, options?: fitVariants.FitOneCycleOptions): Promise<void> {
    return fitVariants.fitOneCycle(this, nEpoch, lrMax, options);
  }
  /** fastai's `fit_flat_cos`. */
  fitFlatCos(nEpoch: number, lr?: fitVariants.LrSpec, options?: fitVariants.FitFlatCosOptions): Promise<void> {
    return fitVariants.fitFlatCos(this, nEpoch, lr, options);
  }
  /** fastai's `fit_sgdr`. */
  fitSgdr(nCycles: number, cycleLen: number, lrMax?: fitVariants.LrSpec, options?: fitVariants.FitSgdrOptions): Promise<void> {
    return fitVariants.fitSgdr(this, nCycles, cycleLen, lrMax, options);
  }
  /** fastai's `fine_tune`. */
  fineTune(epochs: number, baseLr?: number, options?: fitVariants.FineTuneOptions): Promise<void> {
    return fitVariants.fineTune(this, epochs, baseLr, options);
  }
  /** fastai's `lr_find`: suggestions `valley`, `minimum`, `steep`, `slide`. */
  lrFind(options?: fitVariants.LrFindOptions): Promise<fitVariants.SuggestedLrs> {
    return fitVariants.lrFind(this, options);
  }
  /** Writes weights, optimizer, plugin and data-loader state and the fit position atomically; returns the path. */
  async save(path: string, options?: SaveOptions): Promise<string> {
    return saveCheckpoint(this, path, options);
  }
  /** Restores a checkpoint; everything is validated first, and on any error the learner is left unchanged. */
  async load(path: string, options?: LoadOptions): Promise<void> {
    loadCheckpoint(this, path, options);
  }

  // ── inference (validate, getPreds, predict, showResults, export): thin delegations to runtime/inference/ ──
  /** fastai's `validate`: `[validLoss, ...metrics]` on `dl` (default the validation loader). */
  validate(options?: inference.ValidateOptions): Promise<number[]> {
    return inference.validate(this, options);
  }
  /** fastai's `get_preds`: `{ preds, targets, inputs?, losses?, decoded? }`, softmax for cross-entropy by default. */
  getPreds(options?: inference.GetPredsOptions): Promise<inference.Preds> {
    return inference.getPreds(this, options);
  }
  /** fastai's `predict`, for one item or a batch: `{ decoded, pred, probs }`. */
  predict(x: tf.Tensor | number[]): ReturnType<typeof inference.predict> {
    return inference.predict(this, x);
  }
  /** fastai's `show_results`: an image grid (inputs, predicted/actual labels) or a table, as SVG or PNG. */
  showResults(file: string, options?: inference.ShowResultsOptions): Promise<void> {
    return inference.showResults(this, file, options);
  }
  /** fastai's `export`: what inference needs, in a folder `loadLearner` reads. */
  export(dir: string, options?: inference.ExportOptions): Promise<string> {
    return inference.exportLearner(this, dir, options);
  }

}
