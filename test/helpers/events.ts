import { EVENTS, definePlugin, type EventName, type Plugin } from '../../plugin-sdk/index.ts';

/** A plugin that records every event it sees, and can throw on the n-th occurrence of one. */
export function eventLog(options: { throwOn?: { event: EventName; occurrence?: number; error: () => Error } } = {}) {
  const events: string[] = [];
  const counts = new Map<string, number>();
  const plugin: Plugin & { onErrorSeen: unknown[] } = { name: 'event-log', onErrorSeen: [] } as Plugin & { onErrorSeen: unknown[] };
  for (const event of EVENTS) {
    (plugin as unknown as Record<string, () => void>)[event] = () => {
      events.push(event);
      const n = (counts.get(event) ?? 0) + 1;
      counts.set(event, n);
      const t = options.throwOn;
      if (t && t.event === event && (t.occurrence ?? 1) === n) throw t.error();
    };
  }
  plugin.onError = (_learn, error) => {
    plugin.onErrorSeen.push(error);
  };
  return { plugin: definePlugin(plugin), events };
}

export const TRAIN_BATCH = ['beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterBackward', 'beforeStep', 'afterStep', 'afterBatch'];
export const VALID_BATCH = ['beforeBatch', 'afterPred', 'afterLoss', 'afterBatch'];
