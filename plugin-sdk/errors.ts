/**
 * fastai's control-flow exceptions. Throwing one of these from a plugin skips the rest of its level;
 * the level then fires `afterCancelX` and `afterX`. They are not failures: `onError` does not fire.
 */
export class CancelError extends Error {
  constructor(message?: string) {
    super(message ?? new.target.name);
    this.name = new.target.name;
  }
}
export class CancelBatchError extends CancelError {}
export class CancelBackwardError extends CancelError {}
export class CancelStepError extends CancelError {}
export class CancelTrainError extends CancelError {}
export class CancelValidateError extends CancelError {}
export class CancelEpochError extends CancelError {}
export class CancelFitError extends CancelError {}

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
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TapfitError';
    this.code = code;
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
