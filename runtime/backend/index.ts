import * as tf from '@tensorflow/tfjs';
import { TapfitError } from '../../plugin-sdk/index.ts';
import { provideTf } from '../../plugin-sdk/tf.ts';
import { registerTapfitKernels } from './kernels/register.ts';
import { silenceNodeBanner, useCpuBackend, useNativeBackend, useWasmBackend } from './load.ts';
import { checkTrainingKernels } from './startup-check.ts';

export { registerTapfitKernels, referenceKernel, unregisterTapfitKernels, isTapfitKernel } from './kernels/register.ts';
export { checkTrainingKernels } from './startup-check.ts';

/**
 * Which tfjs backend trains. `auto`: native TensorFlow (`@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`)
 * when installed, else `wasm`, else `cpu`. `tensorflow` requires a native package.
 */
// Plugins that take `tf` from the SDK make their tensors with this module: the one whose backend tapfit starts.
provideTf(tf);
silenceNodeBanner();

export type BackendName = 'auto' | 'wasm' | 'cpu' | 'tensorflow';

export interface InitBackendOptions {
  /** Where fall-back warnings go; `console.warn` by default. */
  warn?: (message: string) => void;
}

let settled: { request: BackendName; name: string } | undefined;
let pending: { request: BackendName; promise: Promise<string> } | undefined;

/**
 * Selects and starts the backend, registers tapfit's kernels on it and runs the start-up gradient check
 * (a backend that fails it is replaced by `cpu`, with a warning). Idempotent: a second call with the same request
 * returns the backend in use. Returns its name, `tf.getBackend()`, for the caller to report once.
 *
 * @example
 * const name = await initBackend('auto'); // 'tensorflow' | 'wasm' | 'cpu'
 */
export async function initBackend(request: BackendName = 'auto', options: InitBackendOptions = {}): Promise<string> {
  if (settled?.request === request && tf.getBackend() === settled.name) return settled.name;
  if (pending?.request === request) return pending.promise;
  const promise = start(request, options.warn ?? ((m: string) => console.warn(m)));
  pending = { request, promise };
  try {
    const name = await promise;
    settled = { request, name };
    return name;
  } finally {
    if (pending?.promise === promise) pending = undefined;
  }
}

async function start(request: BackendName, warn: (message: string) => void): Promise<string> {
  const chosen = await choose(request, warn);
  registerTapfitKernels(chosen);
  try {
    checkTrainingKernels();
    return chosen;
  } catch (err) {
    if (chosen === 'cpu') {
      throw new TapfitError('E_BACKEND', `the cpu backend failed tapfit's start-up gradient check: ${message(err)}`, { cause: err });
    }
    warn(`tapfit: backend "${chosen}" failed the start-up gradient check (${message(err)}); falling back to "cpu".`);
  }
  // Set cpu explicitly: after a failed start tf.getBackend() still reports the failed backend's name.
  await useCpuBackend();
  registerTapfitKernels('cpu');
  checkTrainingKernels();
  return tf.getBackend();
}

async function choose(request: BackendName, warn: (message: string) => void): Promise<string> {
  if (request === 'tensorflow') {
    if (await useNativeBackend()) return 'tensorflow';
    throw new TapfitError(
      'E_BACKEND',
      'backend "tensorflow" needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu: install one (npm i @tensorflow/tfjs-node), or use backend "auto".',
    );
  }
  if (request === 'auto' && (await useNativeBackend())) return 'tensorflow';
  if (request === 'auto' || request === 'wasm') {
    if (await useWasmBackend()) return 'wasm';
    if (request === 'wasm') warn('tapfit: the wasm backend did not start; falling back to "cpu".');
  }
  await useCpuBackend();
  return 'cpu';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
