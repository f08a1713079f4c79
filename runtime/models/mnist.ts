import * as tf from '@tensorflow/tfjs';

/** A small CNN for 28×28×1 digits: two conv + max-pool stages, then a linear classifier (logits). */
export function mnistCnn(options: { seed?: number } = {}): tf.Sequential {
  const seed = options.seed ?? 0;
  const init = (k: number) => tf.initializers.heNormal({ seed: seed + k });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: init(3) }),
    ],
  });
}

/** A multi-layer perceptron for flattened digits (logits). */
export function mnistMlp(options: { seed?: number; hidden?: number } = {}): tf.Sequential {
  const seed = options.seed ?? 0;
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28, 1] }),
      tf.layers.dense({ units: options.hidden ?? 128, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seed + 1 }) }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
}
