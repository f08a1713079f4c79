import {
  EVENTS,
  INNER_EVENTS,
  isBatchEvent,
  type EventName,
  type LearnerView,
  type Plugin,
} from '../../plugin-sdk/index.ts';

type Handler = (this: Plugin, learn: LearnerView) => unknown;

/** fastai's `Callback.__call__` filter: `runTrain`/`runValid` silence inner-loop events of that phase. */
function phaseFilter(plugin: Plugin, event: EventName): ((learn: LearnerView) => boolean) | null {
  if (!INNER_EVENTS.has(event)) return null;
  const train = plugin.runTrain ?? true;
  const valid = plugin.runValid ?? true;
  if (train && valid) return null;
  return (learn) => (learn.training ? train : valid);
}

/**
 * Tap each plugin's event methods, in the given (already resolved) order, then run its `apply`; each plugin's
 * taps are made inside `asPlugin`, so the hook set knows them as that plugin's.
 */
export function tapPlugins(learn: LearnerView, plugins: readonly Plugin[], asPlugin: (plugin: Plugin, tap: () => void) => void): void {
  for (const plugin of plugins) asPlugin(plugin, () => tapPlugin(learn, plugin));
}

function tapPlugin(learn: LearnerView, plugin: Plugin): void {
  for (const event of EVENTS) {
    const method = plugin[event] as Handler | undefined;
    if (typeof method !== 'function') continue;
    const runs = phaseFilter(plugin, event);
    const tap = { name: plugin.name };
    if (isBatchEvent(event)) {
      // The handler's result is passed on: the hook refuses a promise (batch events are synchronous).
      const fn = runs ? (l: LearnerView) => (runs(l) ? method.call(plugin, l) : undefined) : (l: LearnerView) => method.call(plugin, l);
      learn.hooks[event].tap(tap, fn);
    } else {
      learn.hooks[event].tapPromise(tap, async (l: LearnerView) => {
        await method.call(plugin, l);
      });
    }
  }
  if (typeof plugin.onError === 'function') {
    const onError = plugin.onError;
    learn.hooks.onError.tapPromise({ name: plugin.name }, async (l, e) => {
      await onError.call(plugin, l, e);
    });
  }
  if (typeof plugin.apply === 'function') plugin.apply(learn);
}

/** For each event, the names of the taps that run on it, in order (`learn.explain()`, `tapfit explain`). */
export function explainHooks(learn: LearnerView): { event: EventName; taps: string[] }[] {
  return EVENTS.map((event) => ({
    event,
    taps: (learn.hooks[event] as unknown as { taps: { name: string }[] }).taps.map((t) => t.name),
  }));
}
