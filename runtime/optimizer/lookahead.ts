import * as tf from '@tensorflow/tfjs';
import {
  TapfitError,
  type HyperSlice,
  type Hypers,
  type OptimizerLike,
  type OptimizerStateDict,
  type ParamState,
} from '../../plugin-sdk/index.ts';
import { deserialiseTensor, isSerialTensor, serialiseTensor, type SerialTensor } from './state-dict.ts';
import type { Grads } from './optimizer.ts';

export interface LookaheadOptions {
  /** Sync the slow weights every `k` steps (default 6). */
  k?: number;
  /** How far the slow weights move toward the fast ones (default 0.5). */
  alpha?: number;
}

/** What `stateDict().extra` holds for lookahead, next to the inner optimizer's own `extra`. */
export interface LookaheadExtra {
  count: number;
  slowWeights: SerialTensor[] | null;
  inner?: unknown;
}

/**
 * fastai's `Lookahead(opt, k, alpha)`: wraps an optimizer (sharing its groups and hypers); every `k` steps the
 * slow weights move `alpha` of the way toward the fast ones, and the fast weights are reset to them.
 */
export class Lookahead implements OptimizerLike {
  readonly k: number;
  readonly alpha: number;
  private count = 0;
  private slow: tf.Tensor[] | null = null;

  constructor(
    readonly inner: OptimizerLike,
    { k = 6, alpha = 0.5 }: LookaheadOptions = {},
  ) {
    if (!(Number.isInteger(k) && k > 0)) throw new TapfitError('E_OPTIMIZER', `lookahead k must be a positive integer, got ${k}`);
    this.k = k;
    this.alpha = alpha;
  }

  get paramGroups(): readonly (readonly tf.Variable[])[] {
    return this.inner.paramGroups;
  }
  get hypers(): Hypers[] {
    return this.inner.hypers;
  }
  get stepperNames(): string[] {
    return [...this.inner.stepperNames, 'lookahead'];
  }
  private get params(): tf.Variable[] {
    return this.paramGroups.flat();
  }

  setHyper(name: string, value: number | readonly number[] | HyperSlice): void {
    this.inner.setHyper(name, value);
  }

  step(grads: Grads): void {
    this.slow ??= this.params.map((p) => tf.clone(p));
    this.inner.step(grads);
    this.count += 1;
    if (this.count % this.k !== 0) return;
    const params = this.params;
    this.slow = this.slow.map((slow, i) => {
      const next = tf.tidy(() => {
        const moved = tf.add(slow, tf.mul(tf.sub(params[i], slow), this.alpha));
        params[i].assign(moved);
        return moved;
      });
      slow.dispose();
      return next;
    });
  }

  zeroGrad(): void {
    this.inner.zeroGrad();
  }
  state(param: tf.Variable): ParamState {
    return this.inner.state(param);
  }

  clearState(): void {
    this.inner.clearState();
    this.disposeSlow();
    this.count = 0;
  }

  stateDict(): OptimizerStateDict {
    const inner = this.inner.stateDict();
    const extra: LookaheadExtra = { count: this.count, slowWeights: this.slow?.map(serialiseTensor) ?? null };
    if (inner.extra !== undefined) extra.inner = inner.extra;
    return { ...inner, extra };
  }

  loadStateDict(sd: OptimizerStateDict): void {
    const extra = sd.extra as Partial<LookaheadExtra> | undefined;
    const slow = extra?.slowWeights;
    if (typeof extra?.count !== 'number' || (slow !== null && !(Array.isArray(slow) && slow.every(isSerialTensor)))) {
      throw new TapfitError('E_OPTIMIZER', 'optimizer state dict has no lookahead state (extra.count / extra.slowWeights): it was saved from another optimizer');
    }
    if (slow && slow.length !== this.params.length) {
      throw new TapfitError('E_OPTIMIZER', `lookahead state has ${slow.length} slow weights, this optimizer has ${this.params.length} parameters`);
    }
    this.inner.loadStateDict({ ...sd, extra: extra.inner });
    this.disposeSlow();
    this.slow = slow ? slow.map(deserialiseTensor) : null;
    this.count = extra.count;
  }

  freezeTo(n: number): void {
    this.inner.freezeTo(n);
  }
  freeze(): void {
    this.inner.freeze();
  }
  unfreeze(): void {
    this.inner.unfreeze();
  }

  private disposeSlow(): void {
    this.slow?.forEach((t) => t.dispose());
    this.slow = null;
  }

  dispose(): void {
    this.disposeSlow();
    this.inner.dispose();
  }
}

/** Wrap an optimizer in fastai's lookahead: `lookahead(await createOptimizer(params, 'radam'), { k: 6, alpha: 0.5 })`. */
export function lookahead(inner: OptimizerLike, options?: LookaheadOptions): Lookahead {
  return new Lookahead(inner, options);
}
