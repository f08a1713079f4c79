/**
 * Plugin authoring mistakes are caught where they are made: a mistyped event, an order constraint naming an
 * absent plugin, an async batch handler, a failing async fit-level tap, a typo in a built-in plugin's options.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { definePlugin, PluginError, TapfitError, type Plugin } from '../../plugin-sdk/index.ts';
import { createTestLearner } from '../../runtime/testing/test-learner.ts';
import type { Learner } from '../../runtime/learner/learner.ts';
import { loadPlugin } from '../../runtime/plugin-host/load-plugins.ts';

async function failure(p: Promise<unknown>): Promise<TapfitError> {
  const e = await p.then(() => null, (error: unknown) => error);
  expect(e).toBeInstanceOf(TapfitError);
  return e as TapfitError;
}

afterEach(() => vi.restoreAllMocks());

describe('definePlugin', () => {
  it('refuses a key that reads like an event but is none, with a "did you mean"', () => {
    expect(() =>
      // @ts-expect-error — `afterbatch` is refused by the type too
      definePlugin({ name: 'typo', afterbatch() {} }),
    ).toThrow('plugin "typo": "afterbatch" is not an event or a plugin key (did you mean "afterBatch"?)');
    expect(() =>
      // @ts-expect-error — so is any `before…`/`after…` key that is not an event
      definePlugin({ name: 'typo', beforeStpe() {} }),
    ).toThrow('"beforeStpe" is not an event or a plugin key (did you mean "beforeStep"?)');
    expect(() => definePlugin({ name: 'typo', runBefor: ['recorder'] } as Plugin)).toThrow('(did you mean "runBefore"?)');
  });

  it("keeps the plugin's own state keys, short names close to a plugin key included", () => {
    const p = definePlugin({ name: 'state', fname: 'x.csv', after: 3, onErrorSeen: [] as unknown[], afterBatch() {} });
    expect(p.fname).toBe('x.csv');
    expect(p.after).toBe(3);
  });

  it('the loader checks plain plugin objects (not made with definePlugin) the same way', async () => {
    const e = await failure(loadPlugin({ name: 'plain', afterEpcoh() {} } as unknown as Plugin));
    expect(e.code).toBe('E_PLUGIN_INVALID');
    expect(e.message).toBe('plugin "plain": "afterEpcoh" is not an event or a plugin key (did you mean "afterEpoch"?)');
  });
});

describe('an order constraint naming a plugin that is not loaded', () => {
  it('is warned once on stderr, with a "did you mean", and ignored', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const clip = ['gradient-clip', { maxNorm: 1 }] as const;
    const late: Plugin = { name: 'late-typo', runBefore: ['gradient-clp'], afterBatch() {} };
    const learn = await createTestLearner({ plugins: [clip, late] });
    await learn.fit(1);
    const runtimeLearner = learn as unknown as Learner;
    runtimeLearner.removePlugin('gradient-clip'); // the plugin set changes: not warned again
    await learn.fit(1);
    const warnings = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('late-typo'));
    expect(warnings).toEqual([
      'tapfit: plugin "late-typo": runBefore names "gradient-clp", which is not loaded (did you mean "gradient-clip"?); the constraint is ignored',
    ]);
    expect(runtimeLearner.danglingOrder).toEqual([{ from: 'late-typo', key: 'runBefore', name: 'gradient-clp' }]);
    learn.dispose();
  });

  it('is an error with strict: true', async () => {
    const { Learner } = await import('../../runtime/learner/learner.ts');
    const { TinyLinear, tinyData } = await import('../helpers/tiny.ts');
    const orphan: Plugin = { name: 'orphan', runAfter: ['recorder', 'rnn-outputs'] };
    const e = await failure(
      Learner.create({ model: new TinyLinear(), dls: tinyData(2, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true, plugins: [orphan], strict: true }),
    );
    expect(e.code).toBe('E_PLUGIN_INVALID');
    expect(e.message).toBe(
      'plugin "orphan": runAfter names "rnn-outputs", which is not loaded (strict: every runBefore/runAfter must name a loaded plugin)',
    );
  });
});

describe('async handlers', () => {
  it('a batch-level handler that returns a promise fails the fit naming plugin and event; onError runs; no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const seen: unknown[] = [];
    const asyncBatch: Plugin = {
      name: 'async-batch',
      async afterBatch() {
        throw new Error('thrown after an await');
      },
      onError: (_learn, error) => void seen.push(error),
    };
    const learn = await createTestLearner({ plugins: [asyncBatch] });
    const e = await failure(learn.fit(1));
    expect(e).toBeInstanceOf(PluginError);
    expect(e.message).toBe(
      'plugin "async-batch" failed on event "afterBatch" (epoch 0, train iter 0): its "afterBatch" handler returned a promise, but batch-level events ' +
        'are synchronous (tfjs takes the gradients inside one synchronous call); make the handler synchronous, or move the async work to a fit-level event such as afterEpoch',
    );
    expect(seen).toEqual([e]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    learn.dispose();
  });

  it("a fit-level tap made with hooks.x.tap that returns a rejected promise fails the fit like a throw", async () => {
    const learn = await createTestLearner();
    learn.hooks.afterEpoch.tap('app', () => Promise.reject(new Error('could not write the report')) as unknown as void);
    const e = await failure(learn.fit(2));
    expect(e.message).toBe('plugin "app" failed on event "afterEpoch" (epoch 0): could not write the report');
    expect(learn.events.filter((x) => x === 'afterEpoch')).toHaveLength(1);
    learn.dispose();
  });
});

describe("built-in plugins' options", () => {
  it('an unknown key is an error with a "did you mean"; a wrong type names the key and the expected type', async () => {
    const cases: [readonly [string, unknown], string][] = [
      [['gradient-clip', { maxnorm: 0.1 }], 'plugin "gradient-clip": invalid options: maxnorm: unknown key (did you mean "maxNorm"?)'],
      [['early-stopping', { patiense: 3 }], 'plugin "early-stopping": invalid options: patiense: unknown key (did you mean "patience"?)'],
      [['gradient-clip', { maxNorm: 'x' }], 'plugin "gradient-clip": invalid options: maxNorm: expected number, got "x"'],
      [['save-model', { every: 'often' }], 'plugin "save-model": invalid options: every: expected one of "epoch"|"improvement", got "often"'],
    ];
    for (const [spec, message] of cases) {
      const e = await failure(loadPlugin(spec));
      expect(e.code).toBe('E_PLUGIN_INVALID');
      expect(e.message).toBe(message);
    }
  });
});
