import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { main } from '../../runtime/cli/main.ts';
import { bufferIO } from '../../runtime/cli/io.ts';
import { mnistMlpConfig } from '../helpers/cli.ts';
import { TapfitError, type Plugin } from '../../plugin-sdk/index.ts';
import type { PluginSpec } from '../../runtime/plugin-host/load-plugins.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-compat-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const counter = (): Plugin & { n: number } => ({
  name: 'counter',
  n: 0,
  afterBatch() {
    this.n += 1;
  },
  stateDict() {
    return { n: this.n };
  },
  loadStateDict(s: unknown) {
    this.n = (s as { n: number }).n;
  },
});

interface Setup {
  optimizer?: 'adam' | 'sgd' | 'rmsprop';
  nTrain?: number;
  plugins?: PluginSpec[];
}

const makeLearner = ({ optimizer = 'adam', nTrain = 2, plugins = [] }: Setup = {}) =>
  Learner.create({ model: new TinyLinear(), dls: tinyData(nTrain, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true, lr: 0.01, optimizer, plugins });

async function checkpointOf(name: string, setup: Setup = {}): Promise<string> {
  const learn = await makeLearner(setup);
  await learn.fit(2);
  return learn.save(path.join(work, name));
}

const snapshot = (learn: Learner) => ({
  weights: learn.model.parameters().map((p) => Array.from(p.dataSync())),
  opt: JSON.stringify(learn.opt.stateDict()),
  hypers: JSON.stringify(learn.opt.hypers),
  recorder: JSON.stringify(learn.plugin('recorder')!.stateDict!()),
});

async function refusal(run: () => Promise<unknown>): Promise<TapfitError> {
  const error = await run().then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(TapfitError);
  expect((error as TapfitError).code).toBe('E_CHECKPOINT');
  return error as TapfitError;
}

describe('a checkpoint is checked against the learner before anything changes', () => {
  it('an rmsprop checkpoint is refused by an adam learner, whose hypers stay as they were', async () => {
    const file = await checkpointOf('rmsprop', { optimizer: 'rmsprop' });
    const learn = await makeLearner();
    await learn.fit(1);
    const before = snapshot(learn);
    const error = await refusal(() => learn.load(file));
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/the optimizer's steppers are .*adam-step, the checkpoint's .*rms-prop-step \(another optimizer preset\)/);
    expect(snapshot(learn)).toEqual(before);
  });

  it('resuming an sgd checkpoint with adam fails before training, naming the checkpoint (not a tfjs message)', async () => {
    const file = await checkpointOf('sgd', { optimizer: 'sgd' });
    const learn = await makeLearner();
    const before = snapshot(learn);
    const batches: number[] = [];
    const error = await refusal(() => learn.fit(2, 0.01, { resume: file, plugins: [{ name: 'spy', afterBatch: (l) => void batches.push(l.iter) }] }));
    expect(error.message).toMatch(/does not fit this learner, nothing was changed/);
    expect(error.message).toMatch(/steppers are weight-decay → average-grad → average-sqr-grad → step-stat → adam-step, the checkpoint's weight-decay → sgd-step \(another optimizer preset\)/);
    expect(batches).toEqual([]);
    expect(snapshot(learn)).toEqual(before);
  });

  it('another plugin set and other data sizes: every difference is listed in one message', async () => {
    const file = await checkpointOf('plugins', { plugins: [counter()] });
    const learn = await makeLearner({ nTrain: 3, plugins: [['early-stopping', { patience: 3 }]] });
    const before = snapshot(learn);
    const error = await refusal(() => learn.load(file));
    const lines = error.message.split('\n').filter((l) => l.startsWith('  - '));
    expect(lines).toEqual([
      '  - the checkpoint holds the state of plugin(s) "counter", which this learner does not have',
      '  - this learner\'s plugin(s) "early-stopping" have no state in the checkpoint',
      "  - the train data has 3 batches of 2, the checkpoint's 2 batches of 2",
    ]);
    expect(error.message).toMatch(/weightsOnly: true/);
    expect(snapshot(learn)).toEqual(before);
  });

  it('withOpt: false does not compare the optimizer; weightsOnly compares only the weights and loads them', async () => {
    const source = await makeLearner({ optimizer: 'sgd', plugins: [counter()] });
    await source.fit(2);
    const file = await source.save(path.join(work, 'weights'));
    const learn = await makeLearner({ nTrain: 3 });
    const opt = JSON.stringify(learn.opt.stateDict());
    await learn.load(file, { weightsOnly: true });
    expect(learn.model.parameters().map((p) => Array.from(p.dataSync()))).toEqual(source.model.parameters().map((p) => Array.from(p.dataSync())));
    expect(JSON.stringify(learn.opt.stateDict())).toBe(opt);
    // same plugins and data, other optimizer: fine without the optimizer state
    const other = await makeLearner({ plugins: [counter()] });
    await other.load(file, { withOpt: false });
    expect((other.plugin('counter') as Plugin & { n: number }).n).toBe(6);
    await refusal(() => other.load(file));
  });
});

describe('tapfit fit --resume --weights-only', () => {
  function config(name: string, optimizer: string, ckpt: string): string {
    return mnistMlpConfig(work, name, { optimizer, plugins: [['save-model', { dir: ckpt }]], fit: { method: 'fit', epochs: 1, lr: 0.01 } });
  }

  it('takes the weights of a checkpoint made with another optimizer, which a plain --resume refuses', async () => {
    const ckpt = path.join(work, 'cli-ckpt');
    const io = bufferIO(work);
    expect(await main(['fit', '--config', config('first', 'sgd', ckpt), '--quiet'], io), io.stderrText).toBe(0);
    const firstLoss = JSON.parse(readFileSync(path.join(work, 'first', 'history.json'), 'utf8')).values[0][1] as number;

    const adam = config('second', 'adam', path.join(work, 'cli-ckpt-2'));
    const refused = bufferIO(work);
    expect(await main(['fit', '--config', adam, '--quiet', '--resume', ckpt], refused)).toBe(1);
    expect(refused.stderrText).toMatch(/\[E_CHECKPOINT\].*does not fit this learner/s);

    const io2 = bufferIO(work);
    expect(await main(['fit', '--config', adam, '--quiet', '--resume', ckpt, '--weights-only'], io2), io2.stderrText).toBe(0);
    const history = JSON.parse(readFileSync(path.join(work, 'second', 'history.json'), 'utf8'));
    // A fresh one-epoch fit (not a resumed, finished one), starting from trained weights: its first
    // validation loss is below the untrained first run's.
    expect(history.values).toHaveLength(1);
    expect(history.losses).toHaveLength(2);
    expect(history.values[0][1]).toBeLessThan(firstLoss);

    const usage = bufferIO(work);
    expect(await main(['fit', '--config', adam, '--quiet', '--weights-only'], usage)).toBe(2);
    expect(usage.stderrText).toMatch(/--weights-only needs --resume/);
  });
});
