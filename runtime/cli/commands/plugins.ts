import { z } from 'zod';
import { EVENTS, isStepper, type Plugin, type PluginFactory, type Stepper } from '../../../plugin-sdk/index.ts';
import { loadModule } from '../../plugin-host/load-module.ts';
import { registry } from '../../plugin-host/registry.ts';
import { EXIT_OK } from '../errors.ts';
import type { CliIO } from '../io.ts';

type JsonSchema = {
  type?: string | string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

/** A JSON schema (from zod) as a short type: `number > 0`, `[number, number, number]`, `"a" | "b"`. */
function typeOf(s: JsonSchema): string {
  if (s.anyOf ?? s.oneOf) return (s.anyOf ?? s.oneOf)!.map(typeOf).join(' | ');
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  switch (s.type) {
    case 'number':
    case 'integer': {
      // zod puts ±MAX_SAFE_INTEGER on every integer: not a bound anyone chose.
      const bound = (x: number | undefined) => (x !== undefined && Math.abs(x) < Number.MAX_SAFE_INTEGER ? x : undefined);
      const [gt, ge, lt, le] = [bound(s.exclusiveMinimum), bound(s.minimum), bound(s.exclusiveMaximum), bound(s.maximum)];
      const bounds = [gt !== undefined ? `> ${gt}` : ge !== undefined ? `≥ ${ge}` : '', lt !== undefined ? `< ${lt}` : le !== undefined ? `≤ ${le}` : ''].filter(Boolean);
      return [s.type, ...bounds].join(' ');
    }
    case 'array':
      if (s.prefixItems) return `[${s.prefixItems.map(typeOf).join(', ')}]`;
      if (!s.items) return 'array';
      return /\s/.test(typeOf(s.items)) ? `(${typeOf(s.items)})[]` : `${typeOf(s.items)}[]`;
    case 'object':
      if (s.properties) return `{ ${Object.entries(s.properties).map(([k, v]) => `${k}: ${typeOf(v)}`).join(', ')} }`;
      return typeof s.additionalProperties === 'object' && Object.keys(s.additionalProperties).length
        ? `Record<string, ${typeOf(s.additionalProperties)}>`
        : 'object';
    case undefined:
      return 'any';
    default:
      return Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  }
}

/** One line per option: `name?: type = default — description`. */
export function describeOptions(schema: z.ZodType): string[] {
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
  } catch {
    return ['(options not describable)'];
  }
  const props = json.properties ?? {};
  const required = new Set(json.required ?? []);
  return Object.entries(props).map(([name, p]) => {
    const dflt = p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : '';
    const desc = p.description ? ` — ${p.description}` : '';
    return `${name}${required.has(name) ? '' : '?'}: ${typeOf(p)}${dflt}${desc}`;
  });
}

function constraints(x: { order?: number; runBefore?: readonly string[]; runAfter?: readonly string[] }): string {
  const parts = [`order ${x.order ?? 0}`];
  if (x.runBefore?.length) parts.push(`runBefore: ${x.runBefore.join(', ')}`);
  if (x.runAfter?.length) parts.push(`runAfter: ${x.runAfter.join(', ')}`);
  return parts.join('; ');
}

async function describePlugin(name: string): Promise<string[]> {
  const mod = await loadModule(name, 'plugin', process.cwd());
  const target = (mod.default ?? mod.plugin) as Plugin | PluginFactory | undefined;
  const lines: string[] = [];
  let instance: Plugin | undefined;
  let note = '';
  if (typeof target === 'function') {
    try {
      instance = target();
    } catch {
      note = ' (needs options)';
    }
  } else instance = target;
  const description = (typeof target === 'function' ? target.description : undefined) ?? '';
  lines.push(`  ${name}${note}${instance ? `  [${constraints(instance)}${instance.runTrain === false ? '; not in training' : ''}${instance.runValid === false ? '; not in validation' : ''}]` : ''}`);
  if (description) lines.push(`      ${description}`);
  if (instance) {
    const events = EVENTS.filter((e) => typeof instance[e] === 'function');
    if (events.length) lines.push(`      events: ${events.join(', ')}`);
  }
  const schema = typeof target === 'function' ? target.optionsSchema : undefined;
  const options = schema ? describeOptions(schema) : [];
  lines.push(options.length ? `      options: ${options.join('\n               ')}` : '      options: none');
  return lines;
}

async function describeStepper(name: string): Promise<string[]> {
  const mod = await loadModule(name, 'stepper', process.cwd());
  const s = mod.default as Stepper;
  if (!isStepper(s)) return [`  ${name}  (not a stepper)`];
  const lines = [`  ${name}  [${constraints(s)}]`];
  const defaults = Object.entries(s.defaults ?? {}).map(([k, v]) => `${k}=${v}`);
  if (defaults.length) lines.push(`      defaults: ${defaults.join(', ')}`);
  if (s.requires?.length) lines.push(`      reads hypers: ${s.requires.join(', ')}`);
  return lines;
}

/** `tapfit plugins`: the built-in plugins and steppers, their order constraints and options. */
export async function pluginsCommand(io: CliIO): Promise<number> {
  const lines = ['Built-in plugins (name them in the config\'s `plugins`, with options as [name, { … }]):'];
  for (const name of [...registry('plugin').keys()].sort()) lines.push(...(await describePlugin(name)));
  lines.push('', 'Built-in optimizer steppers (name them in `optimizer: { steppers: [...] }`; they run in resolved order):');
  for (const name of [...registry('stepper').keys()].sort()) lines.push(...(await describeStepper(name)));
  io.stdout(lines.join('\n'));
  return EXIT_OK;
}
