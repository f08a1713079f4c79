/**
 * The training events, in fastai's names (camelCase). Batch-level events run synchronously
 * (tfjs takes gradients inside a synchronous closure); fit-level events may be async.
 */
export const BATCH_EVENTS = [
  'beforeBatch',
  'afterPred',
  'afterLoss',
  'beforeBackward',
  'afterBackward',
  'beforeStep',
  'afterStep',
  'afterBatch',
  'afterCancelBatch',
  'afterCancelBackward',
  'afterCancelStep',
] as const;

export const FIT_EVENTS = [
  'afterCreate',
  'beforeFit',
  'beforeEpoch',
  'beforeTrain',
  'afterTrain',
  'beforeValidate',
  'afterValidate',
  'afterEpoch',
  'afterFit',
  'afterCancelTrain',
  'afterCancelValidate',
  'afterCancelEpoch',
  'afterCancelFit',
] as const;

export type BatchEvent = (typeof BATCH_EVENTS)[number];
export type FitEvent = (typeof FIT_EVENTS)[number];
export type EventName = BatchEvent | FitEvent;

/** All 24 events in the order of one training run (fastai's `_events`, camelCased). */
export const EVENTS: readonly EventName[] = [
  'afterCreate', 'beforeFit', 'beforeEpoch', 'beforeTrain', 'beforeBatch', 'afterPred', 'afterLoss',
  'beforeBackward', 'afterCancelBackward', 'afterBackward', 'beforeStep', 'afterCancelStep', 'afterStep',
  'afterCancelBatch', 'afterBatch', 'afterCancelTrain', 'afterTrain', 'beforeValidate', 'afterCancelValidate',
  'afterValidate', 'afterCancelEpoch', 'afterEpoch', 'afterCancelFit', 'afterFit',
];

/**
 * fastai's inner-loop events: a plugin with `runValid: false` (or `runTrain: false`) is skipped on these
 * during validation (training). `afterCancelStep` is deliberately not in the set, as in fastai.
 */
export const INNER_EVENTS: ReadonlySet<EventName> = new Set<EventName>([
  'beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterCancelBackward', 'afterBackward',
  'beforeStep', 'afterStep', 'afterCancelBatch', 'afterBatch',
]);

const batchEventSet: ReadonlySet<string> = new Set(BATCH_EVENTS);
export function isBatchEvent(name: string): name is BatchEvent {
  return batchEventSet.has(name);
}
export function isEventName(name: string): name is EventName {
  return (EVENTS as readonly string[]).includes(name);
}
