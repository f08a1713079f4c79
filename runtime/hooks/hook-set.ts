import type { LearnerHooks } from '../../plugin-sdk/index.ts';
import { createHooks } from './create-hooks.ts';

type HookName = keyof LearnerHooks;
type Method = 'tap' | 'tapPromise' | 'tapAsync' | 'intercept';
type AnyFn = (...args: never[]) => unknown;
type Hook = Record<Method, (options: unknown, fn?: AnyFn) => unknown>;
type Hooks = Record<HookName, Hook>;
const METHODS: readonly Method[] = ['tap', 'tapPromise', 'tapAsync', 'intercept'];

/** One call that added to a hook, kept so the hooks can be built again without it or in another order. */
interface Made {
  hook: HookName;
  method: Method;
  options: unknown;
  fn: AnyFn | undefined;
  /** Who made it: a plugin, a runtime session (checkpoint progress, leak guard), or nobody (an app's own tap). */
  owner: object | undefined;
  /** Made by a plugin while it was tapped: dropped when the plugins are tapped again. */
  plugin: boolean;
}

const setOfHooks = new WeakMap<LearnerHooks, HookSet>();

/**
 * A learner's hooks, with every tap and interceptor made on them and who made it. tapable cannot remove a tap,
 * so when the plugins change or an owner leaves, the set builds fresh hooks (tapable's public API only) and makes
 * again what stays: interceptors, then the plugins' taps in resolved order, then the runtime's own taps, then the
 * app's direct taps, each in the order it was made. `hooks` is one object for the learner's life; a rebuild
 * replaces its members, so tap through `learn.hooks.x` at the time you tap.
 */
export class HookSet {
  readonly hooks: LearnerHooks = {} as LearnerHooks;
  private made: Made[] = [];
  /** Who is tapping now, when not named in the tap's options (`{ name, owner }`). */
  private context: { owner: object | undefined; plugin: boolean } = { owner: undefined, plugin: false };
  private sink: (made: Made) => void = (m) => void this.made.push(m);

  constructor() {
    setOfHooks.set(this.hooks, this);
    this.install(this.fresh());
  }

  /** The set a learner's `learn.hooks` belongs to. */
  static of(hooks: LearnerHooks): HookSet {
    const set = setOfHooks.get(hooks);
    if (set === undefined) throw new Error('these hooks were not made by a tapfit HookSet');
    return set;
  }

  /**
   * Taps the plugins again: `tapAll` taps each one inside `asPlugin(plugin, …)`, on fresh hooks (so `learn.hooks`
   * inside a plugin's `apply` is the new set). If it throws, the hooks and their taps are left as they were.
   */
  replacePlugins(tapAll: (asPlugin: (plugin: object, tap: () => void) => void) => void): void {
    const before = { hooks: { ...this.hooks }, made: this.made };
    const kept = this.made.filter((m) => !m.plugin);
    const byPlugins: Made[] = [];
    this.made = kept;
    this.install(this.fresh());
    this.replay(kept.filter((m) => m.method === 'intercept'));
    this.sink = (m) => void (m.plugin ? byPlugins : this.made).push(m);
    try {
      tapAll((plugin, tap) => this.within({ owner: plugin, plugin: true }, tap));
    } catch (error) {
      Object.assign(this.hooks, before.hooks);
      this.made = before.made;
      throw error;
    } finally {
      this.sink = (m) => void this.made.push(m);
    }
    this.replay(this.laterTaps(kept));
    this.made = [...this.made, ...byPlugins];
  }

  /** Runs `body` with every tap and interceptor it makes owned by `owner` (removed together by `remove`). */
  asOwner<T>(owner: object, body: () => T): T {
    let result!: T;
    this.within({ owner, plugin: false }, () => {
      result = body();
    });
    return result;
  }

  /** Removes every tap and interceptor `owner` made (a fit session ending, a leak guard released). */
  remove(owner: object): void {
    if (!this.made.some((m) => m.owner === owner)) return;
    const made = this.made.filter((m) => m.owner !== owner);
    this.install(this.fresh());
    this.replay(made.filter((m) => m.method === 'intercept'));
    this.replay(made.filter((m) => m.plugin));
    this.replay(this.laterTaps(made));
    this.made = made;
  }

  /** The taps that follow the plugins': the runtime's own, then the app's direct ones. */
  private laterTaps(made: readonly Made[]): Made[] {
    const taps = made.filter((m) => !m.plugin && m.method !== 'intercept');
    return [...taps.filter((m) => m.owner !== undefined), ...taps.filter((m) => m.owner === undefined)];
  }

  private within(context: { owner: object | undefined; plugin: boolean }, body: () => void): void {
    const outer = this.context;
    this.context = context;
    try {
      body();
    } finally {
      this.context = outer;
    }
  }

  private fresh(): Hooks {
    return createHooks() as unknown as Hooks;
  }

  /** Makes `made` again on the current hooks, without recording it a second time. */
  private replay(made: readonly Made[]): void {
    for (const m of made) callOriginal((this.hooks as unknown as Hooks)[m.hook], m.method, m.options, m.fn);
  }

  /** `hooks` become the learner's; every tap and interceptor made on them from now on is recorded with its owner. */
  private install(hooks: Hooks): void {
    for (const name of Object.keys(hooks) as HookName[]) {
      const hook = hooks[name];
      for (const method of METHODS) {
        hook[method] = (options: unknown, fn?: AnyFn) => {
          this.sink({ hook: name, method, options, fn, ...this.ownerOf(method, options) });
          return callOriginal(hook, method, options, fn);
        };
      }
    }
    Object.assign(this.hooks, hooks);
  }

  private ownerOf(method: Method, options: unknown): { owner: object | undefined; plugin: boolean } {
    const named = method === 'intercept' ? undefined : (options as { owner?: object } | null)?.owner;
    if (named !== undefined) return { owner: named, plugin: false };
    // An interceptor made while a plugin is tapped outlives the plugin (e.g. a test recorder installed from `apply`).
    if (method === 'intercept' && this.context.plugin) return { owner: undefined, plugin: false };
    return this.context;
  }
}

function callOriginal(hook: Hook, method: Method, options: unknown, fn: AnyFn | undefined): unknown {
  const original = (Object.getPrototypeOf(hook) as Hook)[method];
  return method === 'intercept' ? original.call(hook, options) : original.call(hook, options, fn);
}

/** Removes every tap and interceptor `owner` made on a learner's hooks. */
export function untapOwner(hooks: LearnerHooks, owner: object): void {
  HookSet.of(hooks).remove(owner);
}
