import * as tf from '@tensorflow/tfjs';
import type { Module, Pred } from '../../plugin-sdk/index.ts';

const NORM_LAYERS = new Set(['BatchNormalization', 'LayerNormalization']);

/** Adapts a `tf.LayersModel` (e.g. `tf.sequential`) to tapfit's `Module`. */
export class LayersModule implements Module {
  constructor(readonly layersModel: tf.LayersModel) {
    // A Sequential builds its inner model lazily, at its first call, and that build marks every weight
    // trainable again: a model frozen before its first batch (`opt.freeze()`, `fineTune`) would thaw there.
    if (layersModel instanceof tf.Sequential && !layersModel.built && layersModel.inputs.length > 0) layersModel.build();
  }

  forward(inputs: tf.Tensor[], opts: { training: boolean }): Pred {
    const x = inputs.length === 1 ? inputs[0] : inputs;
    return this.layersModel.apply(x, { training: opts.training }) as Pred;
  }

  parameters(): tf.Variable[] {
    return this.layersModel.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  buffers(): tf.Variable[] {
    return this.layersModel.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** One group per layer that has weights is too fine for fastai's splitters; the default is one group. */
  normParameters(): tf.Variable[] {
    return this.layersModel.layers
      .filter((l) => NORM_LAYERS.has(l.getClassName()))
      .flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
  }

  noWeightDecay(): tf.Variable[] {
    const norm = new Set(this.normParameters());
    // Biases are the weights named "<layer>/bias" (not any name containing "bias", such as a layer called
    // "unbiased"); fastai exempts them and norm layers from weight decay.
    const biases = this.layersModel.trainableWeights.filter((w) => /(^|\/)bias$/.test(w.originalName)).map((w) => w.read() as tf.Variable);
    return [...norm, ...biases];
  }

  dispose(): void {
    this.layersModel.dispose();
  }
}

export function isLayersModel(model: unknown): model is tf.LayersModel {
  return model instanceof tf.LayersModel;
}

export function toModule(model: Module | tf.LayersModel): Module {
  return isLayersModel(model) ? new LayersModule(model) : model;
}
