import { didYouMean, TapfitError } from '../../plugin-sdk/index.ts';
import { registry } from './registry.ts';
import { danglingReferences, type DanglingReference, type Orderable } from './resolve-order.ts';

/** Each dangling reference is warned about once per process, however often the plugin set changes. */
const warned = new Set<string>();

function describe(ref: DanglingReference, loaded: readonly string[]): string {
  const known = [...loaded, ...registry('plugin').keys()];
  const hint = known.includes(ref.name) ? '' : didYouMean(ref.name, known);
  return `plugin "${ref.from}": ${ref.key} names "${ref.name}", which is not loaded${hint}`;
}

/**
 * A `runBefore`/`runAfter` naming a plugin that is not in the set is ignored when ordering: a typo there would
 * silently reorder nothing. Warned once on stderr; with `strict`, an error.
 */
export function checkOrderReferences(plugins: readonly Orderable[], strict: boolean): void {
  const dangling = danglingReferences(plugins);
  if (dangling.length === 0) return;
  const names = plugins.map((p) => p.name);
  const messages = dangling.map((ref) => describe(ref, names));
  if (strict) {
    throw new TapfitError('E_PLUGIN_INVALID', `${messages.join('; ')} (strict: every runBefore/runAfter must name a loaded plugin)`);
  }
  for (const message of messages) {
    if (warned.has(message)) continue;
    warned.add(message);
    console.warn(`tapfit: ${message}; the constraint is ignored`);
  }
}
