/**
 * Trains a small CNN on real MNIST digits and prints fastai's epoch table.
 *   npm run fit                 # 3 epochs of one-cycle on 7,000 digits
 *   npm run fit -- --epochs 1   # fewer
 */
import { parseArgs } from 'node:util';
import { Learner, mnist, mnistCnn } from 'tapfit';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    lr: { type: 'string', default: '1e-2' },
    backend: { type: 'string', default: 'auto' },
    'n-train': { type: 'string', default: '7000' },
  },
});

const learn = await Learner.create({
  model: mnistCnn({ seed: 0 }),
  dls: mnist({ nTrain: Number(values['n-train']), nValid: 1000, batchSize: 64, seed: 0 }),
  lossFunc: 'cross-entropy',
  optimizer: 'adam',
  metrics: ['accuracy'],
  plugins: ['progress'],
  backend: values.backend as 'auto',
});
await learn.fitOneCycle(Number(values.epochs), Number(values.lr));
