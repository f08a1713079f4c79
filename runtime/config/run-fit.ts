import { CancelFitError, definePlugin, type EventName } from '../../plugin-sdk/index.ts';
import type { DanglingReference } from '../plugin-host/resolve-order.ts';
import type { Learner } from '../learner/learner.ts';
import type { PluginSpec } from '../plugin-host/load-plugins.ts';
import { fitFlatCos, fitOneCycle, fitSgdr } from '../fit/variants.ts';
import type { FitConfig } from './schema.ts';

/** Drop the keys whose value is undefined (the fit variants treat a present `undefined` as a value). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Train as `fit` says: fastai's `fit`, `fit_one_cycle`, `fit_flat_cos` or `fit_sgdr`. */
export function runFit(learn: Learner, fit: FitConfig, plugins: readonly PluginSpec[] = []): Promise<void> {
  switch (fit.method) {
    case 'fit':
      return learn.fit(fit.epochs, fit.lr, defined({ wd: fit.wd, plugins }));
    case 'oneCycle':
      return fitOneCycle(learn, fit.epochs, fit.lr, defined({ wd: fit.wd, div: fit.div, divFinal: fit.divFinal, pctStart: fit.pctStart, moms: fit.moms, plugins }));
    case 'flatCos':
      return fitFlatCos(learn, fit.epochs, fit.lr, defined({ wd: fit.wd, divFinal: fit.divFinal, pctStart: fit.pctStart, plugins }));
    case 'sgdr':
      return fitSgdr(learn, fit.cycles, fit.cycleLen ?? 1, fit.lr, defined({ wd: fit.wd, cycleMult: fit.cycleMult, plugins }));
  }
}

const PROBE = 'tapfit-explain-probe';

/**
 * For each event, the taps that run on it during the fit `fit` describes — including the plugins a fit
 * variant adds for that fit only (its scheduler). Found by starting that very fit with a probe that runs
 * first, reads `learn.explain()` and cancels the fit before any batch.
 */
export interface FitExplanation {
  /** The plugins active during the fit, in resolved order. */
  plugins: string[];
  events: { event: EventName; taps: string[] }[];
  /** `runBefore`/`runAfter` entries naming a plugin that is not active: ignored when ordering. */
  dangling: DanglingReference[];
}

export async function explainFit(learn: Learner, fit: FitConfig): Promise<FitExplanation> {
  let seen: FitExplanation = { plugins: [], events: [], dangling: [] };
  const probe = definePlugin({
    name: PROBE,
    order: Number.NEGATIVE_INFINITY,
    beforeFit(view) {
      const l = view as Learner;
      seen = { plugins: l.plugins.map((p) => p.name), events: l.explain(), dangling: l.danglingOrder };
      throw new CancelFitError('tapfit explain');
    },
  });
  await runFit(learn, fit, [probe]);
  return {
    plugins: seen.plugins.filter((p) => p !== PROBE),
    events: seen.events.map(({ event, taps }) => ({ event, taps: taps.filter((t) => t !== PROBE) })),
    dangling: seen.dangling,
  };
}
