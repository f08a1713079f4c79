import type { LearnerView, Plugin, PluginRole } from '../../plugin-sdk/index.ts';
import type { HookSet } from '../hooks/hook-set.ts';
import { checkOrderReferences } from './order-references.ts';
import { danglingReferences, resolveOrder, type DanglingReference } from './resolve-order.ts';
import { tapPlugins } from './tap-plugins.ts';

/**
 * A learner's plugins: the base set (its life long) and a fit's extras, resolved in order and tapped on its hooks.
 * Plugins are found by name or by declared role; the runtime asks roles (`recorder`, `lr-sweep`), never names.
 */
export class ActivePlugins {
  private base: Plugin[] = [];
  private active: Plugin[] = [];
  /** The first plugin of each declared role, found once per plugin set. */
  private roles = new Map<string, Plugin>();

  constructor(
    private readonly learn: LearnerView,
    private readonly hookSet: HookSet,
    private readonly strict: boolean,
  ) {}

  get list(): readonly Plugin[] {
    return this.active;
  }

  named<P extends Plugin>(name: string): P | undefined {
    return this.active.find((p) => p.name === name) as P | undefined;
  }

  withRole<P extends Plugin>(role: PluginRole): P | undefined {
    return this.roles.get(role) as P | undefined;
  }

  /** The base set for the rest of the learner's life (fastai's `add_cbs`/`remove_cb` end up here). */
  setBase(plugins: readonly Plugin[]): void {
    this.use(plugins);
    this.base = [...plugins];
  }

  get baseSet(): readonly Plugin[] {
    return this.base;
  }

  /** A fit's plugins on top of the base set, until `endFit`. */
  beginFit(extra: readonly Plugin[]): void {
    if (extra.length > 0) this.use([...this.base, ...extra]);
  }

  endFit(): void {
    if (this.active.length !== this.base.length || this.active.some((p) => !this.base.includes(p))) this.use(this.base);
  }

  /** `runBefore`/`runAfter` entries of the active plugins that name no active plugin (ignored when ordering). */
  get dangling(): DanglingReference[] {
    return danglingReferences(this.active);
  }

  /**
   * Resolve the order and tap the plugins again. A bad set (a cycle, a duplicate name, an `apply` that throws)
   * leaves the current plugins tapped.
   */
  private use(plugins: readonly Plugin[]): void {
    const ordered = resolveOrder(plugins);
    checkOrderReferences(ordered, this.strict);
    this.hookSet.replacePlugins((asPlugin) => tapPlugins(this.learn, ordered, asPlugin));
    this.active = ordered;
    this.roles = new Map();
    for (const plugin of ordered) for (const role of plugin.roles ?? []) if (!this.roles.has(role)) this.roles.set(role, plugin);
  }
}
