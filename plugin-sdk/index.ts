/**
 * tapfit's plugin SDK: the one module a plugin imports. It depends on nothing of the runtime.
 */
export * from './events.ts';
export * from './errors.ts';
export * from './plugin.ts';
export type * from './types.ts';
export type * from './optimizer.ts';
export type * from './recorder.ts';
export * from './stepper.ts';
export * from './tracker.ts';
export * from './checkpoint.ts';
export * from './schedules.ts';
export { tf, type Tf } from './tf.ts';
export * from './did-you-mean.ts';
export * from './option-problems.ts';
export * from './charts.ts';
export * from './line-chart.ts';
export * from './paths.ts';
export * from './param-schedule.ts';
export * from './tensor-data.ts';
export * from './snapshot.ts';
export * from './interp.ts';
export * from './stage.ts';
export * from './metric-values.ts';
export * from './losses.ts';
export * from './random.ts';
export * from './gather-preds.ts';
