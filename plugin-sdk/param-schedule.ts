import type { Schedule } from './schedules.ts';
import type { Learner } from './types.ts';

/** Where a schedule is read: a position in [0, 1] computed from the learner before each training batch. */
export type SchedulePosition = (learn: Learner) => number;

/** fastai's `pct_train`: the fraction of the fit's training batches done so far. */
const pctTrain: SchedulePosition = (learn) => learn.pctTrain;

/** The state a scheduling plugin holds: its schedules, and the values they set. */
export interface ParamScheduleState {
  /** Per hyper, the schedule set before every training batch. */
  scheds: Record<string, Schedule>;
  /** Per hyper, the value (last group) of every training batch of the last fit. */
  hps: Record<string, number[]>;
}

export interface ParamScheduleOptions {
  /** The schedules, or a function computing them when each fit starts (one-cycle reads the fit's lr there). */
  scheds: Readonly<Record<string, Schedule>> | ((learn: Learner) => Record<string, Schedule>);
  /** Default: `learn.pctTrain`; the LR finder reads `trainIter / numIt`. */
  position?: SchedulePosition;
}

/**
 * fastai's `ParamScheduler` as the body of a plugin: spread it into `definePlugin({ name, ...paramSchedule(…) })`.
 * `beforeFit` (re)computes the schedules and empties `hps`; `beforeBatch` sets each scheduled hyper to
 * `sched(position(learn))` (one value for all groups, or one per group); `afterBatch` records the last group's
 * value. It runs in training only (`runValid: false`), after the recorder, at order 60. A plugin built on it
 * (fastai's `LRFinder(ParamScheduler)`) that needs more in an event calls the body's method first:
 * `beforeFit(learn) { body.beforeFit.call(this, learn); … }`.
 */
export function paramSchedule({ scheds, position = pctTrain }: ParamScheduleOptions) {
  return {
    order: 60,
    runValid: false,
    runAfter: ['recorder'] as readonly string[],
    scheds: (typeof scheds === 'function' ? {} : { ...scheds }) as Record<string, Schedule>,
    hps: {} as Record<string, number[]>,
    beforeFit(this: ParamScheduleState, learn: Learner): void {
      if (typeof scheds === 'function') this.scheds = scheds(learn);
      this.hps = Object.fromEntries(Object.keys(this.scheds).map((k) => [k, [] as number[]]));
    },
    beforeBatch(this: ParamScheduleState, learn: Learner): void {
      const pos = position(learn);
      for (const [name, sched] of Object.entries(this.scheds)) learn.opt.setHyper(name, sched(pos));
    },
    afterBatch(this: ParamScheduleState, learn: Learner): void {
      const last = learn.opt.hypers.at(-1) ?? {};
      for (const name of Object.keys(this.scheds)) this.hps[name].push(last[name]);
    },
  };
}
