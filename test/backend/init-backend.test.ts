import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { TapfitError } from '../../plugin-sdk/index.ts';
import { checkTrainingKernels, initBackend, registerTapfitKernels, unregisterTapfitKernels } from '../../runtime/backend/index.ts';

/** Swaps the kernel for `kernelName` on `backendName` for `replacement` while `body` runs. */
async function withKernel<T>(kernelName: string, backendName: string, replacement: KernelConfig['kernelFunc'], body: () => Promise<T> | T): Promise<T> {
  const stock = tf.getKernel(kernelName, backendName);
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc: replacement });
  try {
    return await body();
  } finally {
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel(stock);
  }
}

const broken: KernelConfig['kernelFunc'] = () => {
  throw new Error('broken on purpose');
};

async function hasNativePackage(): Promise<boolean> {
  for (const name of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    try {
      await import(name);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}
const nativeInstalled = await hasNativePackage();

// One sequence: the backend is process-wide state, so these tests run in order.
describe('initBackend', () => {
  it('cpu: returns "cpu" and makes it current', async () => {
    expect(await initBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('is a no-op when called again with the same request (no second start-up check)', async () => {
    const result = await withKernel('GatherV2', 'cpu', broken, () => initBackend('cpu'));
    expect(result).toBe('cpu');
  });

  it.skipIf(nativeInstalled)('tensorflow: fails with E_BACKEND when neither native package is installed', async () => {
    const err = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TapfitError);
    expect((err as TapfitError).code).toBe('E_BACKEND');
    expect((err as TapfitError).message).toMatch(/@tensorflow\/tfjs-node/);
  });

  it.skipIf(nativeInstalled)('auto: without a native package, picks wasm', async () => {
    expect(await initBackend('auto')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('a backend that fails the start-up gradient check falls back to cpu, with one warning', async () => {
    const warnings: string[] = [];
    await import('@tensorflow/tfjs-backend-wasm');
    // Multiply (in the gradient of sum): a stock kernel the check runs and tapfit does not put a fast path in
    // front of on wasm (a kernel it wraps would be wrapped again around the stock one, and the check would pass).
    const name = await withKernel('Multiply', 'wasm', broken, () => initBackend('wasm', { warn: (m) => warnings.push(m) }));
    expect(name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"wasm" failed the start-up gradient check \(broken on purpose\); falling back to "cpu"/);
  });

  it('after a fall-back, the same request stays on cpu without another check', async () => {
    expect(await initBackend('wasm')).toBe('cpu');
  });
});

describe('checkTrainingKernels', () => {
  it('its closed-form gradients agree with tfjs’s own cpu kernels', async () => {
    await initBackend('cpu');
    unregisterTapfitKernels('cpu');
    try {
      expect(() => checkTrainingKernels()).not.toThrow();
    } finally {
      registerTapfitKernels('cpu');
    }
  });

  it('names the gradient that is wrong', async () => {
    await initBackend('cpu');
    const zeros: KernelConfig['kernelFunc'] = ({ attrs, inputs }) => {
      const x = inputs.x!;
      return tf.zeros([attrs?.numSegments as number, ...x.shape.slice(1)]);
    };
    await withKernel(tf.UnsortedSegmentSum, 'cpu', zeros, () => {
      expect(() => checkTrainingKernels()).toThrow(/gather gradient: got \[0, 0,.*want \[0, 0, 0, 2, 2, 2/);
    });
  });
});
