import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TapfitError, type DataLoader, type Module } from '../../plugin-sdk/index.ts';
import type { BackendName } from '../backend/index.ts';
import { initBackend } from '../backend/index.ts';
import { LstmLM } from '../models/lstm-lm.ts';
import { Learner } from './learner.ts';
import { FOR_INFERENCE } from './parts.ts';
import { setInferenceInfo } from '../inference/info.ts';
import type { ExportManifest } from '../export/export.ts';
import { fileHandler, loadTensors } from '../export/weights.ts';

export interface LoadLearnerOptions {
  backend?: BackendName;
  /** The architecture for a module exported as weights only (`kind: 'module'`); its weights are filled in. */
  model?: Module;
  quiet?: boolean;
}

/** A loader with no batches: a loaded learner has no data, as fastai's `load_learner`. */
const EMPTY: DataLoader = { length: 0, batchSize: 1, [Symbol.iterator]: () => [][Symbol.iterator]() };

async function readManifest(dir: string): Promise<ExportManifest> {
  const file = path.join(dir, 'learner.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new TapfitError('E_CHECKPOINT', `loadLearner: no learner.json in "${dir}" (write one with learn.export(dir))`);
  }
  const manifest = JSON.parse(text) as ExportManifest;
  if (manifest.format !== 'tapfit-learner' || manifest.version !== 1) {
    throw new TapfitError('E_CHECKPOINT', `loadLearner: "${file}" is not a tapfit learner export (format "${String(manifest.format)}", version ${String(manifest.version)})`);
  }
  return manifest;
}

/** Fills `model`'s parameters, in order, from the exported `p0, p1, …`. */
function assignWeights(model: Module, weights: tf.NamedTensorMap, dir: string): void {
  const params = model.parameters();
  if (Object.keys(weights).length !== params.length) {
    throw new TapfitError('E_CHECKPOINT', `loadLearner: "${dir}" has ${Object.keys(weights).length} weights, the model has ${params.length} parameters`);
  }
  params.forEach((p, i) => {
    const w = weights[`p${i}`];
    if (!w || w.shape.join() !== p.shape.join()) {
      throw new TapfitError('E_CHECKPOINT', `loadLearner: weight ${i} has shape [${w?.shape}], the model's parameter "${p.name}" has [${p.shape}]`);
    }
    p.assign(w);
  });
}

/**
 * fastai's `load_learner`: a learner for inference from a folder written by `learn.export`, with the
 * model, loss, labels/vocab and normalisation, no data and no training state (a fresh optimizer).
 */
export async function loadLearner(dir: string, options: LoadLearnerOptions = {}): Promise<Learner> {
  await initBackend(options.backend ?? 'auto');
  const manifest = await readManifest(dir);
  let model: Module | tf.LayersModel;
  if (manifest.model.kind === 'layers-model') {
    model = await tf.loadLayersModel(fileHandler(path.join(dir, manifest.model.path)));
  } else {
    const weights = await loadTensors(manifest.model.weightsManifest, dir);
    try {
      if (manifest.model.kind === 'lstm-lm') model = new LstmLM(manifest.model.config);
      else if (options.model) model = options.model;
      else throw new TapfitError('E_CONFIG', `loadLearner: "${dir}" holds the weights of a custom module; pass its architecture as { model }`);
      assignWeights(model, weights, dir);
    } finally {
      for (const t of Object.values(weights)) t.dispose();
    }
  }
  const dls = { train: EMPTY, valid: EMPTY, ...(manifest.nInp === undefined ? {} : { nInp: manifest.nInp }) };
  const learn = await Learner.create({ model, dls, lossFunc: manifest.loss, plugins: manifest.plugins, backend: options.backend, quiet: options.quiet ?? true, [FOR_INFERENCE]: true });
  setInferenceInfo(learn, manifest.info);
  return learn;
}
