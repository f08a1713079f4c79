import { defineConfig } from 'tapfit';

/**
 * A whole experiment as a config: `tapfit fit` (run from this folder) finds this file, builds the learner
 * and trains. `tapfit-plugin-label-smoothing` is a separate npm package (../third-party-plugin), loaded by
 * its name; its options are checked by its own schema.
 */
export default defineConfig({
  model: ['mnist-mlp', { hidden: 64 }],
  data: ['mnist', { nTrain: 256, nValid: 128, batchSize: 64 }],
  loss: 'cross-entropy',
  optimizer: 'adam',
  plugins: [['tapfit-plugin-label-smoothing', { eps: 0.1 }]],
  metrics: ['accuracy'],
  fit: { method: 'oneCycle', epochs: 2, lr: 3e-3 },
  lrFind: { numIt: 20 },
  backend: 'cpu',
  seed: 0,
  output: 'out',
});
