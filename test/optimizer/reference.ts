/**
 * fastai's stepper formulas (spec §3.5) in float64 over plain arrays: the reference the tfjs steppers are
 * checked against. Deliberately written element by element, independent of the tfjs code.
 */
import * as tf from '@tensorflow/tfjs';

export type Vec = number[];
export interface RefState {
  gradAvg?: Vec;
  sqrAvg?: Vec;
  step?: number;
  localLr?: number;
  doWd?: boolean;
}
export type RefHypers = Record<string, number>;
type RefResult = { p?: Vec; g?: Vec; st?: RefState } | undefined;
export type RefStepper = (p: Vec, g: Vec, st: RefState, h: RefHypers) => RefResult;

const zeros = (n: number) => new Array<number>(n).fill(0);
const norm = (v: Vec) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const rms = (v: Vec) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
const debias = (mom: number, damp: number, step: number) => (damp * (1 - mom ** step)) / (1 - mom);
const softplus = (x: number, beta: number) => (beta * x > 20 ? x : Math.log1p(Math.exp(beta * x)) / beta);

export const REF: Record<string, RefStepper> = {
  'weight-decay': (p, _g, st, { lr, wd }) => (st.doWd !== false && wd ? { p: p.map((x) => x * (1 - lr * wd)) } : undefined),
  'l2-reg': (p, g, st, { wd }) => (st.doWd !== false && wd ? { g: g.map((x, i) => x + wd * p[i]) } : undefined),
  'average-grad': (p, g, st, { mom, dampening }) => {
    const avg = st.gradAvg ?? zeros(p.length);
    const damp = dampening ? 1 - mom : 1;
    return { st: { gradAvg: avg.map((a, i) => mom * a + damp * g[i]) } };
  },
  'average-sqr-grad': (p, g, st, { sqrMom, sqrDampening }) => {
    const avg = st.sqrAvg ?? zeros(p.length);
    const damp = sqrDampening ? 1 - sqrMom : 1;
    return { st: { sqrAvg: avg.map((a, i) => sqrMom * a + damp * g[i] * g[i]) } };
  },
  'step-stat': (_p, _g, st) => ({ st: { step: (st.step ?? 0) + 1 } }),
  'sgd-step': (p, g, _st, { lr }) => ({ p: p.map((x, i) => x - lr * g[i]) }),
  'momentum-step': (p, _g, st, { lr }) => ({ p: p.map((x, i) => x - lr * st.gradAvg![i]) }),
  'rms-prop-step': (p, g, st, { lr, eps }) => {
    const num = st.gradAvg ?? g;
    return { p: p.map((x, i) => x - (lr * num[i]) / (Math.sqrt(st.sqrAvg![i]) + eps)) };
  },
  'adam-step': (p, _g, st, { lr, mom, sqrMom, eps }) => {
    const d1 = debias(mom, 1 - mom, st.step!);
    const d2 = debias(sqrMom, 1 - sqrMom, st.step!);
    return { p: p.map((x, i) => x - ((lr / d1) * st.gradAvg![i]) / (Math.sqrt(st.sqrAvg![i] / d2) + eps)) };
  },
  'radam-step': (p, _g, st, { lr, mom, sqrMom, eps, beta }) => {
    const step = st.step!;
    const d1 = debias(mom, 1 - mom, step);
    const d2 = debias(sqrMom, 1 - sqrMom, step);
    const rInf = 2 / (1 - sqrMom) - 1;
    const r = rInf - (2 * step * sqrMom ** step) / (1 - sqrMom ** step);
    if (r <= 5) return { p: p.map((x, i) => x - (lr / d1) * st.gradAvg![i]) };
    const v = Math.sqrt(((r - 4) * (r - 2) * rInf) / ((rInf - 4) * (rInf - 2) * r));
    return {
      p: p.map((x, i) => {
        let den = Math.sqrt(st.sqrAvg![i] / d2);
        if (eps) den += eps;
        if (beta) den = softplus(den, beta);
        return x - ((lr * v) / d1) * (st.gradAvg![i] / den);
      }),
    };
  },
  'qhadam-step': (p, g, st, { lr, mom, sqrMom, nu1, nu2, eps }) => {
    const d1 = debias(mom, 1 - mom, st.step!);
    const d2 = debias(sqrMom, 1 - sqrMom, st.step!);
    return {
      p: p.map((x, i) => {
        const num = (1 - nu1) * g[i] + (nu1 * st.gradAvg![i]) / d1;
        const den = Math.sqrt((1 - nu2) * g[i] * g[i] + (nu2 * st.sqrAvg![i]) / d2) + eps;
        return x - (lr * num) / den;
      }),
    };
  },
  'larc-layer-lr': (p, g, _st, { lr, trustCoeff, wd, eps, clip }) => {
    const local = (lr * trustCoeff * norm(p)) / (norm(g) + norm(p) * wd + eps);
    return { st: { localLr: clip ? Math.min(lr, local) : local } };
  },
  'larc-step': (p, g, st) => {
    const d = st.gradAvg ?? g;
    return { p: p.map((x, i) => x - st.localLr! * d[i]) };
  },
  'lamb-step': (p, _g, st, { lr, mom, sqrMom, eps }) => {
    const d1 = debias(mom, 1 - mom, st.step!);
    const d2 = debias(sqrMom, 1 - sqrMom, st.step!);
    const u = st.gradAvg!.map((a, i) => a / d1 / (Math.sqrt(st.sqrAvg![i] / d2) + eps));
    const r1 = rms(p);
    const r2 = rms(u);
    const q = r1 === 0 || r2 === 0 ? 1 : Math.min(r1 / r2, 10);
    return { p: p.map((x, i) => x - lr * q * u[i]) };
  },
};

/** One reference parameter: its value and state. */
export interface RefParam {
  p: Vec;
  st: RefState;
}

/** One optimizer step on one parameter, steppers in the given order. */
export function refStep(steppers: readonly string[], param: RefParam, grad: Vec, hypers: RefHypers): void {
  let p = param.p;
  let g = grad;
  let st = param.st;
  for (const name of steppers) {
    const r = REF[name](p, g, st, hypers);
    if (!r) continue;
    if (r.p) p = r.p;
    if (r.g) g = r.g;
    if (r.st) st = { ...st, ...r.st };
  }
  param.p = p;
  param.st = st;
}

/** fastai's lookahead over reference params. */
export function refLookahead(k: number, alpha: number) {
  let slow: Vec[] | null = null;
  let count = 0;
  return (params: RefParam[], doStep: () => void) => {
    slow ??= params.map((x) => [...x.p]);
    doStep();
    count += 1;
    if (count % k === 0) {
      params.forEach((x, j) => {
        slow![j] = slow![j].map((s, i) => s + alpha * (x.p[i] - s));
        x.p = [...slow![j]];
      });
    }
  };
}

/** Values as float32 tensors hold them (so the reference starts from exactly the same numbers). */
export const f32 = (v: Vec): Vec => v.map(Math.fround);

/** A deterministic gradient for parameter `j` at step `t` (1-based), varying in sign and size. */
export function gradAt(j: number, t: number, n: number): Vec {
  return f32(Array.from({ length: n }, (_, i) => 0.5 * Math.sin(1.3 * i + 0.7 * t + 2.1 * j) + 0.05 * (i - 2)));
}

/** Fixed initial parameter values. */
export function initAt(j: number, n: number): Vec {
  return f32(Array.from({ length: n }, (_, i) => 1.5 * Math.cos(0.9 * i + 1.7 * j) + 0.2 * j));
}

/**
 * Max error relative to `rel·|ref| + abs`: ≤ 1 means within tolerance. `abs` covers values near 0, where
 * float32 rounding of the earlier, larger terms dominates.
 */
export function worstError(actual: ArrayLike<number>, ref: Vec, rel = 1e-6, abs = 1e-7): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(actual[i] - ref[i]) / (rel * Math.abs(ref[i]) + abs));
  return worst;
}

export const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());
