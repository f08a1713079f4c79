/**
 * tapable stages for taps that must run before or after every plugin on an event (plugins are tapped at stage 0):
 * `hooks.afterEpoch.tapPromise({ name: 'my-save', stage: STAGE.last }, …)`.
 */
export const STAGE = {
  first: -1e9,
  last: 1e9,
} as const;
