/**
 * A per-kernel profile with self time: every kernel registered for the backend is wrapped with a timer, and a
 * kernel that runs other kernels (tapfit's kernels are written with tfjs ops) is charged only for its own work,
 * so the rows add up to the step. `tf.profile` instead lists the nested kernels *and* charges them to their
 * parent. wasm and cpu kernels run synchronously on this thread, so a timer around the call is exact; the timer is
 * the benchmarks' clock (this process's CPU time by default: neighbours on a shared machine disturb it less).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { CLOCK, clockMs } from './harness.ts';

export interface KernelTime {
  name: string;
  /** Time inside the kernel less the time of the kernels it ran, in ms. */
  selfMs: number;
  calls: number;
}

export interface Profile {
  kernels: KernelTime[];
  /** Time of the profiled call ({@link CLOCK}). */
  totalMs: number;
  /** Kernel self time summed: the rest of `totalMs` is JavaScript outside kernels (autodiff, the loop, GC). */
  kernelMs: number;
}

/** Runs `f` (may be async: nothing else may run kernels meanwhile) once with every kernel of the current backend timed; the backend's registry is restored afterwards. */
export async function profileKernels(f: () => unknown): Promise<Profile> {
  const backend = tf.getBackend();
  const originals = tf.getKernelsForBackend(backend);
  const stats = new Map<string, { selfMs: number; calls: number }>();
  const stack: number[] = []; // children's time of each open kernel
  const wrap = (k: KernelConfig): KernelConfig => {
    const inner = k.kernelFunc;
    const kernelFunc: KernelFunc = (args) => {
      stack.push(0);
      const t0 = clockMs();
      try {
        return inner(args);
      } finally {
        const took = clockMs() - t0;
        const children = stack.pop()!;
        if (stack.length > 0) stack[stack.length - 1] += took;
        const s = stats.get(k.kernelName) ?? { selfMs: 0, calls: 0 };
        s.selfMs += took - children;
        s.calls += 1;
        stats.set(k.kernelName, s);
      }
    };
    return { ...k, kernelFunc };
  };
  const swap = (configs: readonly KernelConfig[]) => {
    for (const k of configs) {
      tf.unregisterKernel(k.kernelName, backend);
      tf.registerKernel(k);
    }
  };
  swap(originals.map(wrap));
  let totalMs: number;
  try {
    const t0 = clockMs();
    await f();
    totalMs = clockMs() - t0;
  } finally {
    swap(originals);
  }
  const kernels = [...stats].map(([name, s]) => ({ name, ...s })).sort((a, b) => b.selfMs - a.selfMs);
  return { kernels, totalMs, kernelMs: kernels.reduce((a, k) => a + k.selfMs, 0) };
}

/** "Conv2D 3.1 ms (12%, ×2), …" for the `top` kernels. */
export function formatProfile(p: Profile, top = 8, per = 1): string {
  const ms = (x: number) => (x / per).toFixed(2);
  const rows = p.kernels.slice(0, top).map((k) => `\`${k.name}\` ${ms(k.selfMs)} ms (${((k.selfMs / p.totalMs) * 100).toFixed(0)}%, ×${(k.calls / per).toFixed(0)})`);
  const rest = p.kernels.slice(top).reduce((a, k) => a + k.selfMs, 0);
  return `${rows.join(', ')}; other kernels ${ms(rest)} ms; outside kernels ${ms(p.totalMs - p.kernelMs)} ms; in all ${ms(p.totalMs)} ms`;
}
