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
  const restore = keepProcessHandlers();
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return await trySetBackend('wasm');
  } catch {
    return false;
  } finally {
    restore();
  }
}

const CRASH_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * The wasm module (Emscripten) adds `uncaughtException`/`unhandledRejection` handlers to the process when it
 * starts: an app's later crash then prints the module's minified source and exits 7 instead of Node's own
 * message, stack and exit 1. The returned function removes every such handler added since the call.
 */
function keepProcessHandlers(): () => void {
  type Listener = (...args: unknown[]) => void;
  const listeners = (event: (typeof CRASH_EVENTS)[number]) => process.listeners(event as NodeJS.Signals) as Listener[];
  const before = new Map(CRASH_EVENTS.map((event) => [event, new Set(listeners(event))]));
  return () => {
    for (const event of CRASH_EVENTS) {
      for (const listener of listeners(event)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
      }
    }
  };
}

/** Marks the cpu factory already wrapped (by this or another copy of tapfit). */
const BANNER_SILENCED = Symbol.for('tapfit.bannerSilenced');

/**
 * tfjs's cpu backend prints a "you are running TensorFlow.js in Node.js, install tfjs-node" banner on its first
 * tensor. tapfit picks the backend itself and says which at fit start, so the banner only adds noise. tfjs makes
 * a new cpu backend whenever it picks a backend on its own, so every instance its factory makes is marked as
 * used; tfjs's other warnings are left alone.
 */
export function silenceNodeBanner(): void {
  const engine = tf.engine() as unknown as {
    registry: Record<string, unknown>;
    registryFactory: Record<string, { factory: () => unknown } | undefined>;
  };
  const markUsed = (backend: unknown) => {
    if (typeof backend === 'object' && backend !== null && 'firstUse' in backend) (backend as { firstUse: boolean }).firstUse = false;
    return backend;
  };
  markUsed(engine.registry.cpu);
  const entry = engine.registryFactory.cpu;
  if (entry === undefined || BANNER_SILENCED in entry.factory) return;
  const make = entry.factory;
  entry.factory = Object.assign(() => markUsed(make()), { [BANNER_SILENCED]: true });
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
