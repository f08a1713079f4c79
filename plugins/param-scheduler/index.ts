import { z } from 'zod';
import { definePlugin, definePluginFactory, paramSchedule, type Schedule } from '../../plugin-sdk/index.ts';

const schedule = z.custom<Schedule>((f) => typeof f === 'function', { message: 'a schedule must be a function (pos) => value' });

/**
 * fastai's `ParamScheduler`: before every training batch, sets each scheduled hyper-parameter to
 * `sched(learn.pctTrain)` (a number for all groups, or one per group), and records the value of the last
 * group in `hps`. Validation batches leave the hypers alone. The fit variants (`fitOneCycle`, …) use it.
 *
 * ```ts
 * import { schedLin } from 'tapfit';
 * await learn.fit(1, undefined, { plugins: [['param-scheduler', { scheds: { lr: schedLin(1e-3, 1e-2) } }]] });
 * learn.plugin<ParamScheduler>('param-scheduler')!.hps.lr; // the lrs it set
 * ```
 */
export default definePluginFactory({
  name: 'param-scheduler',
  options: z.object({ scheds: z.record(z.string(), schedule) }),
  description: 'sets hyper-parameters from schedules of the training position before every training batch',
  create: ({ scheds }) => definePlugin({ name: 'param-scheduler', roles: ['scheduler'], ...paramSchedule({ scheds }) }),
});

export interface ParamScheduler {
  readonly name: 'param-scheduler';
  readonly scheds: Readonly<Record<string, Schedule>>;
  /** Per hyper, the value (last group) of every training batch of the last fit. */
  readonly hps: Readonly<Record<string, readonly number[]>>;
}
