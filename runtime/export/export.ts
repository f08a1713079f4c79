import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TapfitError } from '../../plugin-sdk/index.ts';
import { LOSSES } from '../losses.ts';
import { LayersModule } from '../models/layers-module.ts';
import { LstmLM } from '../models/lstm-lm.ts';
import { registry } from '../plugin-host/registry.ts';
import type { Learner } from '../inference/pass.ts';
import { inferenceInfo, setInferenceInfo, type InferenceInfo } from '../inference/info.ts';
import { itemShape } from '../inference/predict.ts';
import { saveLayersModel, saveTensors, type WeightsGroup } from './weights.ts';

export type ExportOptions = InferenceInfo;

/** `learner.json`: everything `loadLearner` needs besides the weights. */
export interface ExportManifest {
  format: 'tapfit-learner';
  version: 1;
  /** A built-in loss name. */
  loss: string;
  model:
    | { kind: 'layers-model'; path: 'model.json' }
    | { kind: 'lstm-lm'; config: { vocabSize: number; nHidden: number; embSize: number; nLayers: number; dropout: number; tieWeights: boolean }; weightsManifest: WeightsGroup[] }
    | { kind: 'module'; weightsManifest: WeightsGroup[] };
  /** Built-in plugins that shape predictions (they act in `afterPred` or `beforeValidate`), loaded again by `loadLearner`. */
  plugins: string[];
  nInp?: number;
  info: InferenceInfo;
}

/**
 * fastai's `Learner.export`: a folder with the model (a `tf.LayersModel` as TensorFlow.js's standard
 * `model.json` + `weights.bin`; a tapfit `LstmLM` as its config and weights; any other module as its weights),
 * the loss, labels or vocab, normalisation and input shape, in `learner.json`. No optimizer or training state.
 * Returns the folder.
 */
export async function exportLearner(learn: Learner, dir: string, options: ExportOptions = {}): Promise<string> {
  if (Object.keys(options).length) setInferenceInfo(learn, options);
  const loss = Object.entries(LOSSES).find(([, f]) => f === learn.lossFunc)?.[0];
  if (!loss) {
    throw new TapfitError('E_CONFIG', `export: the loss function is not a built-in one (${Object.keys(LOSSES).join(', ')}); a custom loss cannot be written to learner.json`);
  }
  const model = learn.model;
  let entry: ExportManifest['model'];
  if (model instanceof LayersModule) {
    await saveLayersModel(model.layersModel, dir);
    entry = { kind: 'layers-model', path: 'model.json' };
  } else {
    const named = Object.fromEntries(model.parameters().map((p, i) => [`p${i}`, p]));
    const weightsManifest = await saveTensors(named, dir);
    entry =
      model instanceof LstmLM
        ? { kind: 'lstm-lm', config: { vocabSize: model.vocabSize, nHidden: model.nHidden, embSize: model.embSize, nLayers: model.nLayers, dropout: model.dropout, tieWeights: model.tied }, weightsManifest }
        : { kind: 'module', weightsManifest };
  }
  const builtins = registry('plugin');
  const plugins = learn.plugins
    .filter((p) => builtins.has(p.name) && !p.roles?.includes('recorder') && (p.afterPred || p.beforeValidate))
    .map((p) => p.name);
  const info = { ...inferenceInfo(learn), itemShape: inferenceInfo(learn).itemShape ?? itemShape(learn) };
  const manifest: ExportManifest = { format: 'tapfit-learner', version: 1, loss, model: entry, plugins, nInp: learn.dls.nInp, info };
  await writeFile(path.join(dir, 'learner.json'), JSON.stringify(manifest, null, 2));
  return dir;
}
