/**
 * tapfit as a library inside an app: build a Learner in code, add a plugin object written on the spot,
 * train, then read what the recorder kept. Run: `npx tsx examples/sdk-in-app/app.ts`.
 */
import { Learner, definePlugin, mnist, mnistMlp } from 'tapfit';

/** The app's own plugin: keeps the best validation accuracy and when it happened. */
export function bestAccuracy() {
  return definePlugin({
    name: 'best-accuracy',
    runAfter: ['recorder'],
    best: { epoch: -1, accuracy: 0 },
    beforeFit() {
      this.best = { epoch: -1, accuracy: 0 };
    },
    afterEpoch(learn) {
      // `values` rows are the metric names less `epoch` (and `time`): [train_loss, valid_loss, accuracy].
      const recorder = learn.recorder!;
      const accuracy = recorder.values.at(-1)?.[recorder.metricNames.indexOf('accuracy') - 1] ?? null;
      if (accuracy !== null && accuracy > this.best.accuracy) this.best = { epoch: learn.epoch, accuracy };
    },
  });
}

export interface AppResult {
  metricNames: readonly string[];
  values: readonly (readonly (number | null)[])[];
  best: { epoch: number; accuracy: number };
  losses: readonly number[];
}

export async function trainDigits(options: { epochs?: number; nTrain?: number; quiet?: boolean } = {}): Promise<AppResult> {
  const dls = mnist({ nTrain: options.nTrain ?? 512, nValid: 256, batchSize: 64 });
  const best = bestAccuracy();
  const learn = await Learner.create({ model: mnistMlp({ hidden: 64 }), dls, metrics: ['accuracy'], plugins: [best], backend: 'cpu', quiet: options.quiet });
  await learn.fitOneCycle(options.epochs ?? 2, 3e-3);
  const recorder = learn.recorder!;
  const result = { metricNames: recorder.metricNames, values: recorder.values, best: best.best, losses: recorder.losses };
  dls.dispose();
  learn.model.dispose?.();
  learn.opt.dispose();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await trainDigits();
  console.log(`best accuracy ${result.best.accuracy.toFixed(4)} at epoch ${result.best.epoch}`);
}
