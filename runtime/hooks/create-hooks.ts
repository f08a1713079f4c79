import { AsyncSeriesHook, SyncHook } from 'tapable';
import {
  BATCH_EVENTS,
  CancelError,
  FIT_EVENTS,
  PluginError,
  TapfitError,
  type LearnerView,
  type LearnerHooks,
} from '../../plugin-sdk/index.ts';

/**
 * Wraps every tap (plugin methods and direct `hooks.x.tap(...)` alike) so an ordinary error thrown in
 * it names the tap and the event; Cancel errors pass through untouched, as in fastai.
 */
function siteOf(learn: LearnerView, plugin: string, event: string) {
  // Before any fit, or at the fit's own level: no epoch or batch to name (the counters would be stale ones).
  if (event === 'afterCreate' || FIT_LEVEL.has(event)) return { plugin, event };
  // At an epoch's or a phase's edge, the batch counter belongs to another phase: name the epoch only.
  if (!BATCH_LEVEL.has(event)) return { plugin, event, epoch: learn.epoch };
  return { plugin, event, epoch: learn.epoch, iter: learn.iter, training: learn.training };
}
const FIT_LEVEL: ReadonlySet<string> = new Set(['beforeFit', 'afterFit', 'afterCancelFit']);
const BATCH_LEVEL: ReadonlySet<string> = new Set(BATCH_EVENTS);
function wrapError(error: unknown, learn: LearnerView, plugin: string, event: string): unknown {
  if (error instanceof CancelError || error instanceof PluginError) return error;
  return new PluginError(siteOf(learn, plugin, event), error);
}

type AnyFn = (...args: never[]) => unknown;
interface TapInfo {
  name: string;
  type: string;
  stage?: number;
  fn: AnyFn;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * A batch-level handler that returns a promise would run its awaited part after tfjs has taken the gradients
 * (and its rejection would go unhandled): refused at once, its promise's outcome silenced.
 */
function refuseAsync(result: PromiseLike<unknown>, event: string): never {
  Promise.resolve(result).catch(() => {});
  throw new TapfitError(
    'E_PLUGIN_INVALID',
    `its "${event}" handler returned a promise, but batch-level events are synchronous (tfjs takes the gradients ` +
      'inside one synchronous call); make the handler synchronous, or move the async work to a fit-level event such as afterEpoch',
  );
}

function interceptor(event: string, batchLevel: boolean) {
  return {
    register(tap: TapInfo): TapInfo {
      const fn = tap.fn as unknown as (learn: LearnerView, ...rest: unknown[]) => unknown;
      const name = tap.name;
      if (batchLevel) {
        const wrapped = (learn: LearnerView, ...rest: unknown[]) => {
          try {
            const result = fn(learn, ...rest);
            if (isThenable(result)) refuseAsync(result, event);
            return result;
          } catch (error) {
            throw wrapError(error, learn, name, event);
          }
        };
        return { ...tap, fn: wrapped as unknown as AnyFn };
      }
      // Fit-level: a sync tap (`hooks.x.tap`) that returns a promise is awaited too, so its rejection fails the fit.
      const wrapped = async (learn: LearnerView, ...rest: unknown[]) => {
        try {
          return await fn(learn, ...rest);
        } catch (error) {
          throw wrapError(error, learn, name, event);
        }
      };
      return { ...tap, type: tap.type === 'async' ? tap.type : 'promise', fn: tap.type === 'async' ? tap.fn : (wrapped as unknown as AnyFn) };
    },
  };
}

/** `onError` taps must all run, even if one of them fails: a failing cleanup is reported, not thrown. */
function onErrorInterceptor() {
  return {
    register(tap: TapInfo): TapInfo {
      const fn = tap.fn as unknown as (learn: LearnerView, error: unknown) => unknown;
      const name = tap.name;
      const wrapped = async (learn: LearnerView, error: unknown) => {
        try {
          await fn(learn, error);
        } catch (cleanupError) {
          console.warn(`tapfit: plugin "${name}" failed in onError: ${(cleanupError as Error)?.message ?? cleanupError}`);
        }
      };
      return { ...tap, type: 'promise', fn: wrapped as unknown as AnyFn };
    },
  };
}

/** One tapable hook per event (batch events synchronous, fit events async) plus `onError`, with tapfit's error naming. */
export function createHooks(): LearnerHooks {
  const hooks: Record<string, SyncHook<[LearnerView]> | AsyncSeriesHook<[LearnerView]> | AsyncSeriesHook<[LearnerView, unknown]>> = {};
  for (const event of BATCH_EVENTS) {
    const hook = new SyncHook<[LearnerView]>(['learn'], event);
    hook.intercept(interceptor(event, true) as never);
    hooks[event] = hook;
  }
  for (const event of FIT_EVENTS) {
    const hook = new AsyncSeriesHook<[LearnerView]>(['learn'], event);
    hook.intercept(interceptor(event, false) as never);
    hooks[event] = hook;
  }
  const onError = new AsyncSeriesHook<[LearnerView, unknown]>(['learn', 'error'], 'onError');
  onError.intercept(onErrorInterceptor() as never);
  hooks.onError = onError;
  return hooks as unknown as LearnerHooks;
}
