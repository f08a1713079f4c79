/**
 * Which built-in plugin fills each role the runtime asks for, and which roles a learner has by default. The
 * runtime reads this table through the registry and never names a plugin itself: an app or a distribution can
 * register its own provider for a role instead.
 */
export const ROLE_PROVIDERS: Readonly<Record<string, string>> = {
  recorder: 'recorder',
  'lr-sweep': 'lr-finder',
  scheduler: 'param-scheduler',
  progress: 'progress',
  dashboard: 'dashboard',
  checkpoints: 'save-model',
  'state-reset': 'model-resetter',
  'rnn-outputs': 'rnn-outputs',
};

/** The roles every learner has unless `defaultPlugins: false`: fastai's `Learner` always has a Recorder. */
export const DEFAULT_ROLES: readonly string[] = ['recorder'];
