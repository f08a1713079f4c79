import * as tf from '@tensorflow/tfjs';

/** Native TensorFlow bindings, best first. Optional peers: tapfit never depends on them. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/**
 * Imports the first native package the user installed and makes its `tensorflow` backend current. Returns
 * false when none is installed or it cannot start (e.g. it brought its own copy of tfjs-core, so this engine
 * never sees the backend).
 */
export async function useNativeBackend(): Promise<boolean> {
  for (const specifier of NATIVE_PACKAGES) {
    // A variable specifier: the bundler and TypeScript must not try to resolve a package that is usually absent.
    const name: string = specifier;
    try {
      await import(name);
    } catch {
      continue;
    }
    if (await trySetBackend('tensorflow')) return true;
  }
  return false;
}

/** Imports the wasm backend (its binaries ship in the npm package; SIMD when the runtime has it, one thread under Node). */
export async function useWasmBackend(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch {
    return false;
  }
  return trySetBackend('wasm');
}

/** Makes `cpu` current; it is built into tfjs and always starts. */
export async function useCpuBackend(): Promise<void> {
  if (!(await trySetBackend('cpu'))) throw new Error('the cpu backend did not start');
}

async function trySetBackend(name: string): Promise<boolean> {
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}
