/**
 * fastai's schedules, exported from `tapfit`. They are defined in the plugin SDK, because the scheduling
 * plugins need them and plugins may not import the runtime.
 */
export {
  schedLin,
  schedCos,
  schedNo,
  schedExp,
  schedPoly,
  combineScheds,
  combinedCos,
  oneCycleScheds,
  type Annealer,
  type ScheduleValue,
  type Schedule,
  type OneCycleOptions,
} from '../plugin-sdk/schedules.ts';
