import * as tf from '@tensorflow/tfjs';
import type { OptimizerLike } from '../../plugin-sdk/index.ts';
import { gradAt, initAt, refLookahead, refStep, worstError, type RefHypers, type RefParam } from './reference.ts';

/** Two parameters of different shapes (a matrix and a vector), with fixed values. */
export const SHAPES = [[2, 3], [4]];

export function makeParams(shapes: number[][] = SHAPES): tf.Variable[] {
  return shapes.map((shape, j) => tf.variable(tf.tensor(initAt(j, sizeOf(shape)), shape)));
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Step `opt` with the deterministic gradients of step `t` (alternating the two `grads` forms). */
export function stepWith(opt: OptimizerLike, params: tf.Variable[], t: number): void {
  const grads = params.map((p, j) => tf.tensor(gradAt(j, t, p.size), p.shape));
  if (t % 2) opt.step(grads);
  else opt.step(Object.fromEntries(params.map((p, j) => [p.name, grads[j]])));
  // The caller owns the gradients: the optimizer must not have disposed them.
  for (const g of grads) {
    if (g.isDisposed) throw new Error('optimizer disposed a gradient it does not own');
    g.dispose();
  }
}

export interface ReferenceRun {
  /** Stepper names the reference composes, in order. */
  steppers: readonly string[];
  hypers: RefHypers;
  /** Per-parameter initial reference state (e.g. `{ doWd: false }`). */
  initialState?: RefParam['st'][];
  lookahead?: { k: number; alpha: number };
  steps?: number;
  rel?: number;
  abs?: number;
}

/**
 * Steps `opt` and the float64 reference side by side; returns the worst normalised error (≤ 1 is within
 * tolerance) after each of the steps 1, 2 and the last.
 */
export function compareWithReference(opt: OptimizerLike, params: tf.Variable[], run: ReferenceRun): Record<number, number> {
  const steps = run.steps ?? 10;
  const refs: RefParam[] = params.map((p, j) => ({ p: Array.from(p.dataSync()), st: { ...run.initialState?.[j] } }));
  const look = run.lookahead ? refLookahead(run.lookahead.k, run.lookahead.alpha) : (_: RefParam[], f: () => void) => f();
  const errors: Record<number, number> = {};
  for (let t = 1; t <= steps; t++) {
    stepWith(opt, params, t);
    look(refs, () => refs.forEach((r, j) => refStep(run.steppers, r, gradAt(j, t, r.p.length), run.hypers)));
    if (t === 1 || t === 2 || t === steps) {
      errors[t] = Math.max(...params.map((p, j) => worstError(p.dataSync(), refs[j].p, run.rel, run.abs)));
    }
  }
  return errors;
}
