/**
 * FLOPs of a sequential CNN's training step (counted from its layers) and one core's matMul throughput on the
 * current backend: together they give the physical limit a training loop can approach.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { median } from './harness.ts';

/** Multiply-adds ×2 of the layers that carry weights (conv2d, dense); pooling and activations are not counted. */
export interface StepFlops {
  /** Forward pass, per image. */
  forwardPerImage: number;
  /** Forward + weight gradients + input gradients (none for the first layer: the images need no gradient), per image. */
  trainPerImage: number;
}

export function cnnFlops(model: tf.LayersModel): StepFlops {
  let forward = 0;
  let backward = 0;
  let first = true;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Dense') continue;
    const out = layer.outputShape as number[];
    const kernel = layer.getWeights()[0].shape as number[]; // conv: [kh, kw, cin, cout]; dense: [in, out]
    const macsPerOutput = kernel.slice(0, -1).reduce((a, b) => a * b, 1);
    const outputs = out.slice(1).reduce((a, b) => a * b, 1);
    const f = 2 * outputs * macsPerOutput;
    forward += f;
    backward += first ? f : 2 * f;
    first = false;
  }
  return { forwardPerImage: forward, trainPerImage: forward + backward };
}

/**
 * GFLOP/s of each of `runs` timed calls of `run` (which does `flop` of work and returns a tensor), after `warmup`
 * untimed ones.
 */
function gflopsRates(run: () => tf.Tensor, flop: number, runs: number, warmup: number): number[] {
  const rates: number[] = [];
  for (let i = 0; i < runs + warmup; i++) {
    const t0 = performance.now();
    const out = run();
    out.dataSync();
    const ms = performance.now() - t0;
    out.dispose();
    if (i >= warmup) rates.push(flop / ms / 1e6);
  }
  return rates;
}

/**
 * Best and median GFLOP/s of an n×n×n matMul on the current backend (wasm under Node runs on one thread, so
 * this is one core). The best run is the limit: on a shared machine the others are slowed by neighbours.
 */
export function matMulGflops(n = 512, runs = 9): { best: number; median: number } {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  try {
    const rates = gflopsRates(() => tf.matMul(a, b), 2 * n ** 3, runs, 2);
    return { best: Math.max(...rates), median: median(rates) };
  } finally {
    tf.dispose([a, b]);
  }
}

/** The MNIST CNN's second conv: batch 64, 14×14, 16 → 32 channels, 3×3, same. */
const CONV2 = { x: [64, 14, 14, 16], dy: [64, 14, 14, 32], filter: [3, 3, 16, 32] } as const;
const CONV2_FLOP = 2 * 64 * 14 * 14 * 3 * 3 * 16 * 32;

/**
 * Best GFLOP/s of `run` (CONV2's work) over `runs` timed calls, after ten untimed ones: the first calls run at a
 * fraction of the rate while V8 tiers the wasm code up (in a fresh process even ten are not always enough, which
 * is why the PyTorch bench measures these rates after its workloads have run).
 */
function bestConv2Gflops(run: () => tf.Tensor, runs: number): number {
  return Math.max(...gflopsRates(run, CONV2_FLOP, runs, 10));
}

/** Best GFLOP/s of the current backend's `conv2d` on the CNN's second conv (on wasm: XNNPACK's). */
export function convGflops(runs = 15): number {
  const x = tf.randomNormal([...CONV2.x]) as tf.Tensor4D;
  const w = tf.randomNormal([...CONV2.filter]) as tf.Tensor4D;
  try {
    return bestConv2Gflops(() => tf.conv2d(x, w, 1, 'same'), runs);
  } finally {
    tf.dispose([x, w]);
  }
}

/** Best GFLOP/s of the current backend's `Conv2DBackpropFilter` on the same conv (on wasm: tapfit's SIMD loop). */
export function convFilterGradGflops(runs = 15): number {
  const x = tf.randomNormal([...CONV2.x]);
  const dy = tf.randomNormal([...CONV2.dy]);
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [...CONV2.filter] } as unknown as NamedAttrMap;
  try {
    return bestConv2Gflops(() => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs) as tf.Tensor, runs);
  } finally {
    tf.dispose([x, dy]);
  }
}
