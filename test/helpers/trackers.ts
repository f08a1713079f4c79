import type { Plugin, Learner as LearnerView } from '../../plugin-sdk/index.ts';
import { Learner } from '../../runtime/learner/learner.ts';
import type { PluginSpec } from '../../runtime/plugin-host/load-plugins.ts';
import { TinyLinear, tinyData } from './tiny.ts';

// Shared by the tests of the tracker plugins (early-stopping, reduce-lr-on-plateau, save-model) and of the SDK's Tracker.

/** fastai's FakeRecords (order 51, after the recorder): overwrites the monitored cell with a scripted value per epoch. */
export function fakeRecords(column: string, script: readonly number[]): Plugin {
  return {
    name: 'fake-records',
    order: 51,
    runAfter: ['recorder'],
    afterEpoch(learn) {
      const recorder = learn.recorder as unknown as { values: (number | null)[][]; metricNames: string[] };
      recorder.values.at(-1)![recorder.metricNames.indexOf(column) - 1] = script[learn.epoch];
    },
  };
}

/** A learner on the tiny linear model whose log lines are captured. */
export async function makeLearner(plugins: PluginSpec[], lr = 0.01): Promise<{ learn: Learner; lines: string[] }> {
  const lines: string[] = [];
  const learn = await Learner.create({
    model: new TinyLinear(),
    dls: tinyData(2, 1, 2),
    lossFunc: 'mse',
    optimizer: 'sgd',
    metrics: [{ name: 'tst_metric', fn: () => 0 }],
    backend: 'cpu',
    lr,
    logger: (m) => lines.push(m),
    plugins,
  });
  return { learn, lines };
}

export const weightsOf = (learn: LearnerView) => learn.model.parameters().map((p) => Array.from(p.dataSync()));
