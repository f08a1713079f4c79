import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  TapfitError,
  type LoadOptions,
  type LearnerView,
  type OptimizerStateDict,
  type Plugin,
} from '../../plugin-sdk/index.ts';
import { checkCompatible } from './compat.ts';
import { decodeCheckpoint, decodeState, type StoredTensor } from './format.ts';
import type { Manifest, WeightEntry } from './manifest.ts';
import { getProgress, setProgress } from './progress.ts';
import { LAST_CHECKPOINT, withCheckpointExt } from './save.ts';

export interface Checkpoint {
  file: string;
  manifest: Manifest;
  tensors: Map<string, StoredTensor>;
}

function fail(file: string, what: string, cause?: unknown): never {
  throw new TapfitError('E_CHECKPOINT', `checkpoint ${file}: ${what}`, cause === undefined ? undefined : { cause });
}

/** A checkpoint path: a file (`.tapfit` added when it has no extension), or a folder's `last.tapfit`. */
export function resolveCheckpointFile(from: string): string {
  if (existsSync(from) && statSync(from).isDirectory()) {
    const file = path.join(from, LAST_CHECKPOINT);
    if (!existsSync(file)) {
      fail(from, `the folder has no ${LAST_CHECKPOINT} (save-model with every: 'epoch' writes it, and so does an interrupted fit)`);
    }
    return file;
  }
  const file = withCheckpointExt(from);
  if (!existsSync(file)) fail(from, `no checkpoint there (neither a file nor a folder holding ${LAST_CHECKPOINT})`);
  return file;
}

/** Reads and decodes a checkpoint (structure, version, size and checksum are checked here). */
export function readCheckpoint(from: string): Checkpoint {
  const target = resolveCheckpointFile(from);
  let bytes: Buffer;
  try {
    bytes = readFileSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(target, code === 'ENOENT' ? 'no such file' : `cannot read it (${(error as Error).message})`, error);
  }
  const { manifest, tensors } = decodeCheckpoint<unknown>(bytes, target);
  const decoded = decodeState(manifest, tensors, target) as Manifest;
  if (typeof decoded !== 'object' || decoded === null || !decoded.model || !decoded.progress || !decoded.plugins) {
    fail(target, 'the manifest lacks its model, plugins or progress section');
  }
  return { file: target, manifest: decoded, tensors };
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** The saved values for `vars`, checked against their count, shapes and dtypes. */
function checkWeights(ckpt: Checkpoint, kind: 'parameters' | 'buffers', vars: readonly tf.Variable[]): StoredTensor[] {
  const entries: WeightEntry[] = ckpt.manifest.model[kind] ?? [];
  if (entries.length !== vars.length) {
    fail(ckpt.file, `the model has ${vars.length} ${kind} but the checkpoint has ${entries.length}: it was saved from a different model`);
  }
  return entries.map((entry, i) => {
    const stored = ckpt.tensors.get(entry.tensor);
    if (!stored) fail(ckpt.file, `the data of model ${kind} ${i} ("${entry.name}") is missing`);
    const v = vars[i];
    const same = stored!.shape.length === v.shape.length && stored!.shape.every((d, k) => d === v.shape[k]);
    if (!same) {
      fail(
        ckpt.file,
        `model ${kind.slice(0, -1)} ${i} ("${v.name}") has shape ${shapeText(v.shape)} but the checkpoint's ("${entry.name}") has ${shapeText(stored!.shape)}: it was saved from a different model`,
      );
    }
    if (entry.dtype !== v.dtype) fail(ckpt.file, `model ${kind} ${i} ("${v.name}") is ${v.dtype} but the checkpoint's is ${entry.dtype}`);
    return stored!;
  });
}

/** The checkpoint's optimizer state, checked against the learner's optimizer (groups and parameter counts). */
export function checkOptimizer(ckpt: Checkpoint, learn: LearnerView): OptimizerStateDict {
  const sd = ckpt.manifest.optimizer as OptimizerStateDict | undefined;
  if (!sd) fail(ckpt.file, 'it holds no optimizer state (saved with withOpt: false); load it with { withOpt: false } to restore the weights only');
  const nParams = learn.opt.paramGroups.flat().length;
  if (!Array.isArray(sd!.hypers) || sd!.hypers.length !== learn.opt.hypers.length) {
    fail(ckpt.file, `the optimizer state has ${sd!.hypers?.length ?? 'no'} parameter groups, the optimizer has ${learn.opt.hypers.length}`);
  }
  if (!Array.isArray(sd!.state) || sd!.state.length !== nParams) {
    fail(ckpt.file, `the optimizer state covers ${sd!.state?.length ?? 'no'} parameters, the optimizer has ${nParams}`);
  }
  return sd!;
}

/** Undo information for one part of the learner: `restore()` puts back what `apply()` replaced. */
interface Step {
  what: string;
  apply(): void;
  restore(): void;
}

function weightsStep(vars: readonly tf.Variable[], values: readonly StoredTensor[], what: string): Step {
  let before: Float32Array[] | Int32Array[] = [];
  const assign = (data: readonly (Float32Array | Int32Array | StoredTensor['data'])[]) =>
    vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(data[i] as Float32Array, v.shape, v.dtype))));
  return {
    what,
    apply() {
      before = vars.map((v) => (v.dataSync() as Float32Array).slice());
      assign(values.map((s) => s.data));
    },
    restore() {
      if (before.length) assign(before);
    },
  };
}

function stateStep(what: string, target: { stateDict?(): unknown; loadStateDict?(s: unknown): void }, state: unknown): Step {
  let before: unknown;
  let taken = false;
  return {
    what,
    apply() {
      before = target.stateDict?.();
      taken = true;
      target.loadStateDict!(state);
    },
    restore() {
      if (taken && before !== undefined) target.loadStateDict!(before);
    },
  };
}

/**
 * Restores `learn` from a checkpoint. Everything that can be checked up front is (shapes, counts, presence);
 * then each part is applied, and if one fails (a plugin refusing its state), the parts already applied are
 * put back, so the learner is left exactly as it was and an `E_CHECKPOINT` error says what failed.
 */
export function restoreCheckpoint(learn: LearnerView, ckpt: Checkpoint, options: LoadOptions = {}): void {
  const { weightsOnly = false, withOpt = true } = options;
  const m = ckpt.manifest;
  checkCompatible(learn, ckpt.file, m, ckpt.tensors, weightsOnly ? 'weights' : withOpt ? 'all' : 'no-optimizer');
  const params = learn.model.parameters();
  const buffers = learn.model.buffers?.() ?? [];
  const steps: Step[] = [
    weightsStep(params, checkWeights(ckpt, 'parameters', params), 'the model parameters'),
    weightsStep(buffers, checkWeights(ckpt, 'buffers', buffers), 'the model buffers'),
  ];
  if (!weightsOnly) {
    if (withOpt) steps.push(stateStep('the optimizer state', learn.opt, checkOptimizer(ckpt, learn)));
    for (const [name, dl] of [['train', learn.dls.train], ['valid', learn.dls.valid]] as const) {
      const state = m.data?.[name];
      if (state !== undefined && typeof dl.loadStateDict === 'function') steps.push(stateStep(`the ${name} data loader state`, dl, state));
    }
    if (m.model.state !== undefined && typeof learn.model.loadStateDict === 'function') {
      steps.push(stateStep('the model state (hidden state, random-number counters)', learn.model, m.model.state));
    }
    for (const plugin of learn.plugins) pluginStep(plugin, m, steps);
    const savedProgress = getProgress(learn);
    const savedCounters = { epoch: learn.epoch, trainIter: learn.trainIter, pctTrain: learn.pctTrain, smoothLoss: learn.smoothLoss };
    steps.push({
      what: 'the fit progress',
      apply() {
        const { epoch, trainIter, pctTrain, smoothLoss, ...progress } = m.progress;
        setProgress(learn, progress);
        Object.assign(learn, { epoch, trainIter, pctTrain, smoothLoss });
      },
      restore() {
        setProgress(learn, savedProgress);
        Object.assign(learn, savedCounters);
      },
    });
  }
  const done: Step[] = [];
  try {
    for (const step of steps) {
      step.apply();
      done.push(step);
    }
  } catch (error) {
    const failed = steps[done.length];
    for (const step of done.reverse()) {
      try {
        step.restore();
      } catch {
        // keep undoing the others
      }
    }
    try {
      failed.restore();
    } catch {
      // it may have failed before changing anything
    }
    const reason = error instanceof Error ? error.message : String(error);
    fail(ckpt.file, `restoring ${failed.what} failed (${reason}); the learner is unchanged`, error);
  }
}

function pluginStep(plugin: Plugin, m: Manifest, steps: Step[]): void {
  if (!(plugin.name in m.plugins) || typeof plugin.loadStateDict !== 'function') return;
  steps.push(stateStep(`the state of plugin "${plugin.name}"`, plugin, m.plugins[plugin.name]));
}

/** `learn.load(path)`. */
export function loadCheckpoint(learn: LearnerView, file: string, options: LoadOptions = {}): void {
  restoreCheckpoint(learn, readCheckpoint(file), options);
}
