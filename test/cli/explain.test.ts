import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { EventName } from '../../plugin-sdk/index.ts';
import { main } from '../../runtime/cli/main.ts';
import { bufferIO } from '../../runtime/cli/io.ts';
import { learnerFromConfig } from '../../runtime/config/build.ts';
import { loadConfig } from '../../runtime/config/discover.ts';
import { explainFit, runFit } from '../../runtime/config/run-fit.ts';
import type { FitConfig } from '../../runtime/config/schema.ts';

const DEFAULT_CONFIG = path.join('test', 'fixtures', 'configs', 'default', '.tapfitrc.json');

/** Every tap tapable runs, in order, recorded with an interceptor on each hook. */
function recordTaps(hooks: object): { event: EventName; taps: string[] }[] {
  const fired: { event: EventName; taps: string[] }[] = [];
  for (const [event, hook] of Object.entries(hooks) as [EventName | 'onError', { intercept(i: object): void }][]) {
    if (event === 'onError') continue;
    hook.intercept({
      call: () => void fired.push({ event, taps: [] }),
      tap: (tap: { name: string }) => void fired.at(-1)!.taps.push(tap.name),
    });
  }
  return fired;
}

describe('tapfit explain', () => {
  it('prints the taps of every event and the stepper order for the default config (snapshot)', async () => {
    const io = bufferIO(process.cwd());
    const code = await main(['explain', '--config', DEFAULT_CONFIG], io);
    expect(code, io.stderrText).toBe(0);
    await expect(`${io.stdoutText}\n`).toMatchFileSnapshot('__snapshots__/explain-default.txt');
  });

  it('matches the order in which the learner actually runs the taps', async () => {
    const loaded = await loadConfig({ configFile: DEFAULT_CONFIG });
    const learn = await learnerFromConfig(loaded, { extraPlugins: ['progress'], quiet: true });
    const explained = await explainFit(learn, loaded.config.fit);
    const fired = recordTaps(learn.hooks);
    await runFit(learn, loaded.config.fit);

    const expected = new Map(explained.events.map((e) => [e.event, e.taps]));
    // What the command prints is this minus the runtime's own `tapfit:` taps.
    const io = bufferIO(process.cwd());
    expect(await main(['explain', '--config', DEFAULT_CONFIG], io)).toBe(0);
    for (const { event, taps } of explained.events) {
      const plugins = taps.filter((t) => !t.startsWith('tapfit:'));
      expect(io.stdoutText).toMatch(new RegExp(`^  ${event} +${plugins.length ? plugins.join(' → ') : '-'}$`, 'm'));
    }
    const firedEvents = new Set(fired.map((f) => f.event));
    // A real fit: every level ran, batches included.
    for (const e of ['beforeFit', 'beforeBatch', 'afterStep', 'afterValidate', 'afterFit'] as const) expect(firedEvents).toContain(e);
    for (const { event, taps } of fired) expect(taps, event).toEqual(expected.get(event));
    // The fit's scheduler is part of it, and the printed stepper order is the optimizer's.
    expect(expected.get('beforeBatch')).toEqual(['param-scheduler']);
    expect(explained.plugins).toEqual(['recorder', 'progress', 'param-scheduler']);
    expect(learn.opt.stepperNames).toEqual(['weight-decay', 'average-grad', 'average-sqr-grad', 'step-stat', 'adam-step']);
  });

  it('explaining does not train or leak: weights and tensor count unchanged', async () => {
    const loaded = await loadConfig({ configFile: DEFAULT_CONFIG });
    const learn = await learnerFromConfig(loaded, { quiet: true });
    const before = learn.model.parameters().map((p) => Array.from(p.dataSync()));
    const nTensors = tf.memory().numTensors;
    await explainFit(learn, loaded.config.fit);
    expect(learn.model.parameters().map((p) => Array.from(p.dataSync()))).toEqual(before);
    expect(tf.memory().numTensors).toBe(nTensors);
  });

  it('shows the scheduler only for the fit variants, and no progress with --quiet', async () => {
    const loaded = await loadConfig({ configFile: DEFAULT_CONFIG });
    const learn = await learnerFromConfig(loaded, { quiet: true });
    const fits: FitConfig[] = [
      { method: 'fit', epochs: 1 },
      { method: 'oneCycle', epochs: 1 },
      { method: 'flatCos', epochs: 1 },
      { method: 'sgdr', cycles: 1 },
    ];
    for (const fit of fits) {
      const { plugins } = await explainFit(learn, fit);
      expect(plugins, fit.method).toEqual(fit.method === 'fit' ? ['recorder'] : ['recorder', 'param-scheduler']);
    }
    const io = bufferIO(process.cwd());
    expect(await main(['explain', '--quiet', '--config', DEFAULT_CONFIG], io)).toBe(0);
    expect(io.stdoutText).toMatch(/^plugins \(resolved order\): recorder, param-scheduler$/m);
  });
});
