import { AsyncSeriesHook, SyncHook } from 'tapable';
import {
  BATCH_EVENTS,
  CancelError,
  FIT_EVENTS,
  PluginError,
  type Learner,
  type LearnerHooks,
} from '../../plugin-sdk/index.ts';

/** Tap metadata the runtime adds: which plugin made a tap, so its taps can be removed again. */
export interface TapOwner {
  owner?: object;
}

/** Who is tapping right now (set while a plugin's `apply` runs), so direct taps are attributed to it. */
export const tapContext: { current: object | undefined } = { current: undefined };

/**
 * Wraps every tap (plugin methods and direct `hooks.x.tap(...)` alike) so an ordinary error thrown in
 * it names the tap and the event; Cancel errors pass through untouched, as in fastai.
 */
function siteOf(learn: Learner, plugin: string, event: string) {
  // Before any fit, or at the fit's own level: no epoch or batch to name (the counters would be stale ones).
  if (event === 'afterCreate' || FIT_LEVEL.has(event)) return { plugin, event };
  // At an epoch's or a phase's edge, the batch counter belongs to another phase: name the epoch only.
  if (!BATCH_LEVEL.has(event)) return { plugin, event, epoch: learn.epoch };
  return { plugin, event, epoch: learn.epoch, iter: learn.iter, training: learn.training };
}
const FIT_LEVEL: ReadonlySet<string> = new Set(['beforeFit', 'afterFit', 'afterCancelFit']);
const BATCH_LEVEL: ReadonlySet<string> = new Set(BATCH_EVENTS);
function wrapError(error: unknown, learn: Learner, plugin: string, event: string): unknown {
  if (error instanceof CancelError || error instanceof PluginError) return error;
  return new PluginError(siteOf(learn, plugin, event), error);
}

type AnyFn = (...args: never[]) => unknown;
interface TapInfo extends TapOwner {
  name: string;
  type: string;
  stage?: number;
  fn: AnyFn;
}

function interceptor(event: string) {
  return {
    register(tap: TapInfo): TapInfo {
      const fn = tap.fn as unknown as (learn: Learner, ...rest: unknown[]) => unknown;
      const name = tap.name;
      const owner = tap.owner ?? tapContext.current;
      const wrapped =
        tap.type === 'promise'
          ? async (learn: Learner, ...rest: unknown[]) => {
              try {
                return await fn(learn, ...rest);
              } catch (error) {
                throw wrapError(error, learn, name, event);
              }
            }
          : (learn: Learner, ...rest: unknown[]) => {
              try {
                return fn(learn, ...rest);
              } catch (error) {
                throw wrapError(error, learn, name, event);
              }
            };
      return { ...tap, owner, fn: wrapped as unknown as AnyFn };
    },
  };
}

/** `onError` taps must all run, even if one of them fails: a failing cleanup is reported, not thrown. */
function onErrorInterceptor() {
  return {
    register(tap: TapInfo): TapInfo {
      const fn = tap.fn as unknown as (learn: Learner, error: unknown) => unknown;
      const name = tap.name;
      const wrapped = async (learn: Learner, error: unknown) => {
        try {
          await fn(learn, error);
        } catch (cleanupError) {
          console.warn(`tapfit: plugin "${name}" failed in onError: ${(cleanupError as Error)?.message ?? cleanupError}`);
        }
      };
      return { ...tap, owner: tap.owner ?? tapContext.current, type: 'promise', fn: wrapped as unknown as AnyFn };
    },
  };
}

export function createHooks(): LearnerHooks {
  const hooks: Record<string, SyncHook<[Learner]> | AsyncSeriesHook<[Learner]> | AsyncSeriesHook<[Learner, unknown]>> = {};
  for (const event of BATCH_EVENTS) {
    const hook = new SyncHook<[Learner]>(['learn'], event);
    hook.intercept(interceptor(event) as never);
    hooks[event] = hook;
  }
  for (const event of FIT_EVENTS) {
    const hook = new AsyncSeriesHook<[Learner]>(['learn'], event);
    hook.intercept(interceptor(event) as never);
    hooks[event] = hook;
  }
  const onError = new AsyncSeriesHook<[Learner, unknown]>(['learn', 'error'], 'onError');
  onError.intercept(onErrorInterceptor() as never);
  hooks.onError = onError;
  return hooks as unknown as LearnerHooks;
}

interface MutableHook {
  taps: TapInfo[];
  _resetCompilation(): void;
}

/** Remove every tap made by `owner` (tapable has no untap; its tap list is plain data). */
export function untapOwner(hooks: LearnerHooks, owner: object): void {
  for (const hook of Object.values(hooks) as unknown as MutableHook[]) {
    const kept = hook.taps.filter((t) => t.owner !== owner);
    if (kept.length !== hook.taps.length) {
      hook.taps = kept;
      hook._resetCompilation();
    }
  }
}

/**
 * Within a stage, plugin taps run before taps made directly on `hooks` (which come after the learner is
 * created). Re-tapping plugins appends them, so this restores that order after every change of plugins.
 */
export function keepDirectTapsAfterPlugins(hooks: LearnerHooks): void {
  const rank = (t: TapInfo) => (t.owner === undefined ? 1 : 0);
  for (const hook of Object.values(hooks) as unknown as MutableHook[]) {
    const sorted = [...hook.taps].sort((a, b) => (a.stage ?? 0) - (b.stage ?? 0) || rank(a) - rank(b));
    if (sorted.some((t, i) => t !== hook.taps[i])) {
      hook.taps = sorted;
      hook._resetCompilation();
    }
  }
}
