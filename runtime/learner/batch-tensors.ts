import * as tf from '@tensorflow/tfjs';
import { CancelBackwardError, type LearnerView } from '../../plugin-sdk/index.ts';
import { lossGradCleared } from './check-learner.ts';

/** The learner's per-batch fields: what a batch's tensors are reachable through. */
export type BatchFields = Pick<LearnerView, 'xb' | 'yb' | 'pred' | 'loss' | 'lossGrad' | 'grads'>;

/** What differentiating a batch's recorded forward pass left behind. */
export interface Backward {
  /** Fresh gradients of the trainable variables, by name (the caller owns them); empty when the backward was cancelled. */
  grads: tf.NamedTensorMap;
  /** The variables that were differentiated. */
  vars: readonly tf.Variable[];
  /** `beforeBackward` threw `CancelBackwardError`. */
  cancelled: boolean;
}

/**
 * The tensors one batch owns, and their lifetimes: the batch's inputs and `pred`/`loss`/`lossGrad` (also when a
 * plugin replaced them, inside the forward's tidy), disposed when the batch ends. Gradients outlive the batch (they
 * add up until `zeroGrad`): the learner's `GradientBuffer` owns them.
 */
export class BatchTensors {
  private readonly held: tf.Tensor[] = [];
  /** Reused each batch: the variables that get gradients. */
  private readonly trainable: tf.Variable[] = [];

  hold<T extends tf.Tensor>(t: T): T {
    if (!t.isDisposed && !this.held.includes(t)) this.held.push(tf.keep(t));
    return t;
  }

  holdAll(tensors: readonly tf.Tensor[]): void {
    this.held.push(...tensors);
  }

  /** Keep what the forward pass (and plugins) left in the fields past the forward's tidy. */
  holdForward(fields: BatchFields): void {
    const pred = fields.pred;
    if (Array.isArray(pred)) pred.forEach((t) => this.hold(t));
    else if (pred) this.hold(pred);
    if (fields.loss) this.hold(fields.loss);
    if (fields.lossGrad) this.hold(fields.lossGrad);
  }

  /** Dispose everything the batch held and clear its fields (not `grads`: they live until `zeroGrad`). */
  release(fields: BatchFields): void {
    for (const t of this.held) t.dispose();
    this.held.length = 0;
    fields.pred = fields.loss = fields.lossGrad = null;
    fields.xb = fields.yb = [];
  }

  /**
   * tfjs records the forward pass and differentiates it in one synchronous call, so `beforeBackward` runs at the end
   * of the recorded closure (`forward`, then `beforeBackward`). An error inside the closure is held until tfjs has
   * finished its backward pass, then thrown: a closure that throws would leave the tape's saved tensors undisposed.
   */
  differentiate(fields: BatchFields, trainableGroups: readonly (readonly tf.Variable[])[], forward: () => void, beforeBackward: () => void): Backward {
    let cancelled = false;
    let failure: { error: unknown } | null = null;
    const recorded = (): tf.Scalar => {
      try {
        forward();
      } catch (error) {
        failure = { error };
        return fields.lossGrad ?? tf.scalar(0);
      }
      try {
        beforeBackward();
      } catch (error) {
        if (error instanceof CancelBackwardError) cancelled = true;
        else failure = { error };
      }
      if (fields.lossGrad) return fields.lossGrad;
      // tfjs would throw past its own tape (leaking what the forward pass made): fail after it, like any error here.
      failure ??= { error: lossGradCleared() };
      return tf.scalar(0);
    };
    const vars = this.trainable;
    vars.length = 0;
    for (const group of trainableGroups) for (const v of group) if (v.trainable) vars.push(v);
    const { value, grads } = tf.engine().gradients(recorded, vars, undefined, true);
    this.held.push(value);
    const named: tf.NamedTensorMap = {};
    for (let i = 0; i < vars.length; i++) if (grads[i] != null) named[vars[i].name] = grads[i];
    // Set inside the recorded closure (TypeScript cannot see that, hence the widening casts).
    const held = failure as { error: unknown } | null;
    if (held || (cancelled as boolean)) for (const g of Object.values(named)) g.dispose();
    if (held) throw held.error;
    return { grads: cancelled ? {} : named, vars, cancelled };
  }
}
