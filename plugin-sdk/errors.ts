/**
 * Brands that identify tapfit's errors across copies of tapfit: a plugin package that installed its own copy
 * throws its copy's `CancelFitError`, and the learner must still recognise it. `instanceof` on these classes
 * checks the brand (a `Symbol.for` key, shared by every copy in the process), not the prototype chain.
 */
const CANCEL_BRAND = Symbol.for('tapfit.cancel');
const ERROR_BRAND = Symbol.for('tapfit.error');

function brandOf(value: unknown, brand: symbol): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<symbol, unknown>)[brand] : undefined;
}

/**
 * `instanceof` for a branded class: tapfit's own classes (those that declare `brand`) match by brand; a user's
 * subclass of one of them matches by prototype, as usual.
 */
function brandedInstanceOf(cls: { brand?: string }, value: unknown, brand: symbol, root: Function): boolean {
  const tag = brandOf(value, brand);
  if (typeof tag !== 'string') return Function.prototype[Symbol.hasInstance].call(cls, value);
  if (cls === root) return true;
  if (Object.hasOwn(cls, 'brand')) return tag.split(' ').includes(cls.brand as string);
  return Function.prototype[Symbol.hasInstance].call(cls, value);
}

/** The brands of `cls` and every tapfit class above it, e.g. `"PluginError TapfitError"`. */
function brandChain(cls: Function): string {
  const tags: string[] = [];
  for (let c: unknown = cls; typeof c === 'function'; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, 'brand')) tags.push((c as unknown as { brand: string }).brand);
  }
  return tags.join(' ');
}

/**
 * fastai's control-flow exceptions. Throwing one of these from a plugin skips the rest of its level;
 * the level then fires `afterCancelX` and `afterX`. They are not failures: `onError` does not fire.
 */
export class CancelError extends Error {
  static readonly brand: string = 'CancelError';
  constructor(message?: string) {
    super(message ?? new.target.name);
    this.name = new.target.name;
    Object.defineProperty(this, CANCEL_BRAND, { value: brandChain(new.target) });
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstanceOf(this, value, CANCEL_BRAND, CancelError);
  }
}
export class CancelBatchError extends CancelError {
  static override readonly brand: string = 'CancelBatchError';
}
export class CancelBackwardError extends CancelError {
  static override readonly brand: string = 'CancelBackwardError';
}
export class CancelStepError extends CancelError {
  static override readonly brand: string = 'CancelStepError';
}
export class CancelTrainError extends CancelError {
  static override readonly brand: string = 'CancelTrainError';
}
export class CancelValidateError extends CancelError {
  static override readonly brand: string = 'CancelValidateError';
}
export class CancelEpochError extends CancelError {
  static override readonly brand: string = 'CancelEpochError';
}
export class CancelFitError extends CancelError {
  static override readonly brand: string = 'CancelFitError';
}

export type ErrorCode =
  | 'E_CONFIG'
  | 'E_PLUGIN_LOAD'
  | 'E_PLUGIN_INVALID'
  | 'E_ORDER_CYCLE'
  | 'E_PLUGIN_FAILED'
  | 'E_CHECKPOINT'
  | 'E_OPTIMIZER'
  | 'E_BACKEND'
  | 'E_LEAK'
  | 'E_DATA';

/** Every error tapfit raises on purpose has a stable `code` and a message a person can act on. */
export class TapfitError extends Error {
  static readonly brand: string = 'TapfitError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TapfitError';
    this.code = code;
    Object.defineProperty(this, ERROR_BRAND, { value: brandChain(new.target) });
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandedInstanceOf(this, value, ERROR_BRAND, TapfitError);
  }
}

/** Where a plugin failed: which plugin, on which event, at which point of training. */
export interface FailureSite {
  plugin: string;
  event: string;
  epoch?: number;
  iter?: number;
  training?: boolean;
}

/** An ordinary error thrown inside a plugin, re-thrown with the plugin and event named; `cause` is the original. */
export class PluginError extends TapfitError {
  static override readonly brand: string = 'PluginError';
  readonly plugin: string;
  readonly event: string;
  readonly epoch: number | undefined;
  readonly iter: number | undefined;
  constructor(site: FailureSite, cause: unknown) {
    const batch = site.iter === undefined ? '' : `, ${site.training ? 'train' : 'valid'} iter ${site.iter}`;
    const where = site.epoch === undefined ? '' : ` (epoch ${site.epoch}${batch})`;
    const original = cause instanceof Error ? cause.message : String(cause);
    super('E_PLUGIN_FAILED', `plugin "${site.plugin}" failed on event "${site.event}"${where}: ${original}`, { cause });
    this.name = 'PluginError';
    this.plugin = site.plugin;
    this.event = site.event;
    this.epoch = site.epoch;
    this.iter = site.iter;
  }
}
