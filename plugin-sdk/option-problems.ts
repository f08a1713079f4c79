import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';

/**
 * zod's issues phrased for people: `maxNorm: expected number, got "x"`, `maxnorm: unknown key (did you mean
 * "maxNorm"?)`. Shared by plugin factories (options given in code) and config files.
 */

/** One thing wrong with some options: where (`fit.epochs`, `plugins[1][1].maxNorm`; empty for the whole value) and what. */
export interface OptionProblem {
  path: string;
  message: string;
}

/** `['plugins', 1, 1, 'maxNorm']` → `plugins[1][1].maxNorm`. */
export function formatKeyPath(keys: readonly PropertyKey[]): string {
  let out = '';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** A short rendering of a config value for "got …". */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The value at `keys` inside `data` (undefined where the path leads nowhere). */
export function valueAt(data: unknown, keys: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

type AnySchema = z.core.$ZodType;

/** The keys an object schema at `keys` allows, following the branch that `data` takes through unions. */
function knownKeys(schema: AnySchema, keys: readonly PropertyKey[], data: unknown): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      return knownKeys(def.innerType as AnySchema, keys, data);
    case 'pipe':
      return knownKeys(def.out as AnySchema, keys, data);
    case 'union': {
      // Follow the branch the value's discriminator picks; without one, any object branch's keys are allowed.
      const options = def.options as AnySchema[];
      const disc = def.discriminator as string | undefined;
      const chosen = (data as Record<string, unknown> | undefined)?.[disc ?? ''];
      const all = new Set<string>();
      for (const option of options) {
        const od = option._zod.def as unknown as { type: string; shape?: Record<string, AnySchema> };
        if (od.type !== 'object') continue;
        const lit = disc ? (od.shape?.[disc]?._zod.def as unknown as { values?: unknown[] } | undefined) : undefined;
        const found = knownKeys(option, keys, data);
        if (lit?.values?.includes(chosen)) return found;
        found.forEach((k) => all.add(k));
      }
      return [...all];
    }
    case 'object': {
      const shape = def.shape as Record<string, AnySchema>;
      if (keys.length === 0) return Object.keys(shape);
      const [head, ...rest] = keys;
      const child = shape[String(head)];
      return child ? knownKeys(child, rest, (data as Record<string, unknown> | undefined)?.[String(head)]) : [];
    }
    case 'array': {
      if (keys.length === 0) return [];
      const [head, ...rest] = keys;
      return knownKeys(def.element as AnySchema, rest, (data as unknown[] | undefined)?.[head as number]);
    }
    case 'tuple': {
      if (keys.length === 0) return [];
      const [head, ...rest] = keys;
      const item = (def.items as AnySchema[])[head as number];
      return item ? knownKeys(item, rest, (data as unknown[] | undefined)?.[head as number]) : [];
    }
    default:
      return [];
  }
}

/**
 * For a union without a discriminator (`optimizer`: a preset name or `{ steppers, hypers }`), the one branch
 * whose every issue lies inside the value (the value had that branch's type), or null when it is not one.
 */
function deepestBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] | null {
  const u = issue as { discriminator?: string; errors?: z.core.$ZodIssue[][] };
  if (u.discriminator || !u.errors) return null;
  const inside = u.errors.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
  return inside.length === 1 ? inside[0] : null;
}

/** zod issues → problems phrased `expected X, got Y`, paths prefixed with `prefix` (e.g. `plugins[2][1]`). */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  schema: AnySchema,
  prefix: readonly PropertyKey[] = [],
): OptionProblem[] {
  const problems: OptionProblem[] = [];
  for (const issue of issues) {
    const keys = issue.path as PropertyKey[];
    const where = (k: readonly PropertyKey[]) => formatKeyPath([...prefix, ...k]);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, keys, data);
      for (const key of issue.keys) {
        const hint = didYouMean(key, known) || (known.length ? ` (allowed: ${known.join(', ')})` : '');
        problems.push({ path: where([...keys, key]), message: `unknown key${hint}` });
      }
      continue;
    }
    const branch = issue.code === 'invalid_union' ? deepestBranch(issue) : null;
    if (branch) {
      // The value took one branch of the union far enough to fail inside it: report that, at its own key.
      const inner = branch.map((i) => ({ ...i, path: [...keys, ...i.path] }) as z.core.$ZodIssue);
      problems.push(...problemsFromIssues(inner, data, schema, prefix));
      continue;
    }
    const value = valueAt(data, keys);
    let message = issue.message;
    const disc = issue.code === 'invalid_union' ? (issue as { discriminator?: string; options?: unknown[] }) : undefined;
    if (disc?.discriminator && disc.options) {
      message = `expected one of ${disc.options.map((o) => JSON.stringify(o)).join(', ')}`;
    }
    // zod's own wording (from plugins' schemas): "Invalid input: expected number, received string" → "expected number".
    message = message.replace(/^Invalid (input|option): /, '').replace(/, received \w+$/, '');
    message = value === undefined ? `missing (${message})` : `${message}, got ${showValue(value)}`;
    problems.push({ path: where(keys), message });
  }
  return problems;
}

