import type * as TfModule from '@tensorflow/tfjs';

/** The TensorFlow.js module, as `import * as tf from '@tensorflow/tfjs'` gives it. */
export type Tf = typeof TfModule;

const TF_KEY = Symbol.for('tapfit.tf');
type TfHolder = { [TF_KEY]?: Tf };
const holder = globalThis as TfHolder;

/** Called by the runtime when it loads: the plugins it runs then use its TensorFlow.js. */
export function provideTf(module: Tf): void {
  holder[TF_KEY] = module;
}

function currentTf(): Tf {
  const provided = holder[TF_KEY];
  if (provided !== undefined) return provided;
  // No runtime loaded yet (a plugin's own script): this copy's tfjs, loaded synchronously through CommonJS.
  const { createRequire } = process.getBuiltinModule('node:module');
  const own = createRequire(import.meta.url)('@tensorflow/tfjs') as Tf;
  holder[TF_KEY] = own;
  return own;
}

/**
 * The TensorFlow.js that trains: `import { tf } from 'tapfit/plugin-sdk'`. A plugin package that installed its
 * own copy of tapfit (and so of tfjs) still makes its tensors on the learner's engine and backend, and a second
 * tfjs is never loaded into the process: two would register every kernel twice.
 */
export const tf: Tf = new Proxy({} as Tf, {
  get: (_, key) => Reflect.get(currentTf(), key),
  has: (_, key) => Reflect.has(currentTf(), key),
  ownKeys: () => Reflect.ownKeys(currentTf()),
  getOwnPropertyDescriptor: (_, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(currentTf(), key);
    return descriptor && { ...descriptor, configurable: true };
  },
});
