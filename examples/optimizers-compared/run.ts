/**
 * fastai's optimizer comparison on real MNIST: plain SGD, SGD + momentum, RMSProp and Adam, each with
 * one-cycle, same CNN, seed, data and epochs; prints the LR finder's valley and the final losses per optimizer.
 *   npx tsx examples/optimizers-compared/run.ts                  # 7,000 digits, 3 epochs
 *   npx tsx examples/optimizers-compared/run.ts --epochs 1 --n-train 2000 --use-suggested
 */
import { parseArgs } from 'node:util';
import type { BackendName } from 'tapfit';
import { compareOptimizers, formatTable } from './compare.ts';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    'n-train': { type: 'string', default: '7000' },
    'n-valid': { type: 'string', default: '1000' },
    backend: { type: 'string', default: 'auto' },
    'use-suggested': { type: 'boolean', default: false },
    'no-lr-find': { type: 'boolean', default: false },
  },
});

const rows = await compareOptimizers({
  nTrain: Number(values['n-train']),
  nValid: Number(values['n-valid']),
  epochs: Number(values.epochs),
  backend: values.backend as BackendName,
  lrFind: !values['no-lr-find'],
  useSuggested: values['use-suggested'],
  plugins: ['progress'],
  quiet: false,
  onRun: (name) => console.log(`\n── ${name} ──`),
});
console.log(`\nMNIST, ${values['n-train']} training / ${values['n-valid']} validation digits, ${values.epochs} epochs of one-cycle, mnistCnn seed 0:\n`);
console.log(formatTable(rows));
