import { defaultLoaders, type Loader } from 'cosmiconfig';

/**
 * How many values a YAML config may expand to, counting a value once per place an alias puts it. A real config
 * has a few hundred; a "billion laughs" file (aliases of aliases) has billions, which js-yaml shares by reference
 * but everything that walks the config later (validation, messages) would visit one by one.
 */
export const MAX_YAML_VALUES = 100_000;

/** Counts the values of `root` as a tree (shared objects counted each time), stopping past `limit`. */
function expandedSize(root: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (++count > limit) return count;
    if (v !== null && typeof v === 'object') stack.push(...(Array.isArray(v) ? v : Object.values(v as object)));
  }
  return count;
}

/** cosmiconfig's YAML loader with the expansion of aliases bounded. */
export const boundedYamlLoader: Loader = (filepath, content) => {
  const value = defaultLoaders['.yaml'](filepath, content) as unknown;
  if (expandedSize(value, MAX_YAML_VALUES) > MAX_YAML_VALUES) {
    throw new Error(`the YAML expands to more than ${MAX_YAML_VALUES.toLocaleString('en-US')} values through its aliases (&anchor / *alias): refused`);
  }
  return value;
};
