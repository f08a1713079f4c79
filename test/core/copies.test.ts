/**
 * One tapfit per process even when two copies are loaded (a plugin package with its own node_modules/tapfit):
 * cancel errors are recognised by brand, tapfit's kernels are registered once, and the SDK's `tf` is the
 * learner's TensorFlow.js. The second copy is the same source file loaded again under another URL.
 */
import * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import * as errors from '../../plugin-sdk/errors.ts';
import { tf } from '../../plugin-sdk/index.ts';
import { createTestLearner } from '../../runtime/testing/test-learner.ts';
import { isTapfitKernel, registerTapfitKernels } from '../../runtime/backend/index.ts';

type Errors = typeof errors;
// @vite-ignore: the query makes a second, separate module instance of the same file.
const otherCopy = async <T>(file: string): Promise<T> => (await import(/* @vite-ignore */ `${file}?second-copy`)) as T;

describe('cancel errors from another copy of tapfit', () => {
  it('are instances of this copy\'s classes, by brand, level by level', async () => {
    const other = await otherCopy<Errors>('../../plugin-sdk/errors.ts');
    expect(other.CancelFitError).not.toBe(errors.CancelFitError);
    const fromOther = new other.CancelFitError();
    expect(fromOther).toBeInstanceOf(errors.CancelFitError);
    expect(fromOther).toBeInstanceOf(errors.CancelError);
    expect(fromOther).not.toBeInstanceOf(errors.CancelBatchError);
    expect(new other.CancelBatchError()).toBeInstanceOf(errors.CancelBatchError);
    expect(new errors.CancelStepError()).toBeInstanceOf(other.CancelStepError);
    expect(new other.PluginError({ plugin: 'p', event: 'afterBatch' }, new Error('x'))).toBeInstanceOf(errors.TapfitError);
    expect(new other.TapfitError('E_CONFIG', 'x')).not.toBeInstanceOf(errors.PluginError);
    // Ordinary errors and look-alikes are not.
    expect(new Error('CancelFitError')).not.toBeInstanceOf(errors.CancelError);
    expect({ name: 'CancelFitError' }).not.toBeInstanceOf(errors.CancelFitError);
  });

  it("a user's subclass still works by prototype", () => {
    class SkipRest extends errors.CancelBatchError {}
    expect(new SkipRest()).toBeInstanceOf(errors.CancelBatchError);
    expect(new SkipRest()).toBeInstanceOf(SkipRest);
    expect(new errors.CancelBatchError()).not.toBeInstanceOf(SkipRest);
  });

  it("cancels the fit the fastai way when thrown by a plugin built on the other copy's SDK", async () => {
    const other = await otherCopy<Errors>('../../plugin-sdk/errors.ts');
    const learn = await createTestLearner({
      nTrain: 3,
      plugins: [{ name: 'other-copy', afterBatch: (l) => { if (l.training && l.iter === 1) throw new other.CancelEpochError(); } }],
    });
    await learn.fit(2);
    expect(learn.events.filter((e) => e === 'afterCancelEpoch')).toHaveLength(2);
    expect(learn.events.filter((e) => e === 'beforeValidate')).toHaveLength(0);
    learn.dispose();
  });
});

describe('kernels and TensorFlow.js', () => {
  it("a second copy of the kernel registry finds this copy's kernels and registers nothing, with no warnings", async () => {
    registerTapfitKernels('cpu');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const second = await otherCopy<{ registerTapfitKernels(b: string): void; isTapfitKernel(k: string, b: string): boolean }>(
      '../../runtime/backend/kernels/register.ts',
    );
    const before = tfjs.getKernel(tfjs.Conv2DBackpropFilter, 'cpu');
    second.registerTapfitKernels('cpu');
    expect(tfjs.getKernel(tfjs.Conv2DBackpropFilter, 'cpu')).toBe(before);
    expect(second.isTapfitKernel(tfjs.Conv2DBackpropFilter, 'cpu')).toBe(true);
    expect(isTapfitKernel(tfjs.Conv2DBackpropFilter, 'cpu')).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it("the SDK's tf is the runtime's module: same engine, same backend, its tensors counted", () => {
    expect(tf.getBackend()).toBe(tfjs.getBackend());
    expect(tf.engine()).toBe(tfjs.engine());
    const before = tfjs.memory().numTensors;
    const t = tf.scalar(3);
    expect(tfjs.memory().numTensors).toBe(before + 1);
    expect(t.dataSync()[0]).toBe(3);
    t.dispose();
    expect(Object.keys(tf)).toContain('tidy');
  });
});
