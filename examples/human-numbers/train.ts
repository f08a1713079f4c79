/**
 * Trains the book's regularized LSTM language model (chapter 12, `LMModel7`) on fastai's human numbers and
 * prints the epoch table with next-token accuracy and perplexity.
 *   npx tsx examples/human-numbers/train.ts                 # 15 epochs, one cycle at lr 1e-2, wasm
 *   npx tsx examples/human-numbers/train.ts --epochs 5 --backend cpu
 */
import { parseArgs } from 'node:util';
import type { BackendName } from 'tapfit';
import { humanNumbersLearner, majorityBaseline } from './setup.ts';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '15' },
    lr: { type: 'string', default: '1e-2' },
    backend: { type: 'string', default: 'wasm' },
    'batch-size': { type: 'string', default: '64' },
    'seq-len': { type: 'string', default: '16' },
    hidden: { type: 'string', default: '64' },
    dropout: { type: 'string', default: '0.5' },
  },
});

const start = performance.now();
const { learn, dls } = await humanNumbersLearner({
  backend: values.backend as BackendName,
  batchSize: Number(values['batch-size']),
  seqLen: Number(values['seq-len']),
  nHidden: Number(values.hidden),
  dropout: Number(values.dropout),
  plugins: ['progress'],
});
learn.log(`backend: ${learn.backend}; ${dls.train.length} training and ${dls.valid.length} validation batches of ${dls.train.batchSize}×${dls.train.seqLen} tokens`);
learn.log(`predicting the most common token scores ${majorityBaseline(dls.valid.tokens.subarray(1)).toFixed(3)}`);
await learn.fitOneCycle(Number(values.epochs), Number(values.lr));
learn.log(`done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
