import {
  EVENTS,
  INNER_EVENTS,
  isBatchEvent,
  type EventName,
  type Learner,
  type Plugin,
} from '../../plugin-sdk/index.ts';
import { tapContext } from './hooks.ts';

type Handler = (this: Plugin, learn: Learner) => unknown;

/** fastai's `Callback.__call__` filter: `runTrain`/`runValid` silence inner-loop events of that phase. */
function phaseFilter(plugin: Plugin, event: EventName): ((learn: Learner) => boolean) | null {
  if (!INNER_EVENTS.has(event)) return null;
  const train = plugin.runTrain ?? true;
  const valid = plugin.runValid ?? true;
  if (train && valid) return null;
  return (learn) => (learn.training ? train : valid);
}

/** Tap each plugin's event methods, in the given (already resolved) order, then run its `apply`. */
export function tapPlugins(learn: Learner, plugins: readonly Plugin[]): void {
  for (const plugin of plugins) {
    for (const event of EVENTS) {
      const method = plugin[event] as Handler | undefined;
      if (typeof method !== 'function') continue;
      const runs = phaseFilter(plugin, event);
      const tap = { name: plugin.name, owner: plugin } as { name: string };
      if (isBatchEvent(event)) {
        // The handler's result is passed on: the hook refuses a promise (batch events are synchronous).
        const fn = runs ? (l: Learner) => (runs(l) ? method.call(plugin, l) : undefined) : (l: Learner) => method.call(plugin, l);
        learn.hooks[event].tap(tap, fn);
      } else {
        learn.hooks[event].tapPromise(tap, async (l: Learner) => {
          await method.call(plugin, l);
        });
      }
    }
    if (typeof plugin.onError === 'function') {
      const onError = plugin.onError;
      learn.hooks.onError.tapPromise({ name: plugin.name, owner: plugin } as { name: string }, async (l, e) => {
        await onError.call(plugin, l, e);
      });
    }
    if (typeof plugin.apply === 'function') {
      tapContext.current = plugin;
      try {
        plugin.apply(learn);
      } finally {
        tapContext.current = undefined;
      }
    }
  }
}

/** For each event, the names of the taps that run on it, in order (`learn.explain()`, `tapfit explain`). */
export function explainHooks(learn: Learner): { event: EventName; taps: string[] }[] {
  return EVENTS.map((event) => ({
    event,
    taps: (learn.hooks[event] as unknown as { taps: { name: string }[] }).taps.map((t) => t.name),
  }));
}
