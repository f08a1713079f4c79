import * as tf from '@tensorflow/tfjs';

/**
 * fastai's gradient lifetime over tfjs: a PyTorch `.grad` adds up over backward passes until
 * `zero_grad`; tfjs hands back fresh gradients each time. This keeps `learn.grads` alive across batches
 * (so a `CancelBatchError` before `zeroGrad` accumulates) and owns its tensors, including the ones a plugin
 * puts in place of the originals (clipped gradients): those it no longer sees in `learn.grads` are disposed.
 */
export class GradientBuffer {
  /** Every tensor that was in `learn.grads` when last looked at: the buffer's to dispose. */
  private readonly owned = new Set<tf.Tensor>();

  /**
   * `held + fresh`, by variable name, taking ownership of `fresh`. With nothing held (every batch of a run
   * without cancels) `fresh` simply becomes the buffer: no extra add, no extra tensor.
   */
  accumulate(held: tf.NamedTensorMap | null, fresh: tf.NamedTensorMap): tf.NamedTensorMap {
    if (held === null || Object.keys(held).length === 0) {
      this.settle(fresh);
      return fresh;
    }
    const sum: tf.NamedTensorMap = { ...held };
    for (const [name, g] of Object.entries(fresh)) {
      const old = held[name];
      if (old) {
        sum[name] = tf.add(old, g);
        g.dispose();
      } else sum[name] = g;
    }
    this.settle(sum);
    return sum;
  }

  /** Zero gradients for `vars`, for a step after a cancelled backward with nothing accumulated. */
  zerosFor(vars: readonly tf.Variable[]): tf.NamedTensorMap {
    const zeros: tf.NamedTensorMap = {};
    for (const v of vars) zeros[v.name] = tf.zerosLike(v);
    this.settle(zeros);
    return zeros;
  }

  /** Makes `grads` the owned set: whatever was owned and is no longer in `grads` is disposed. */
  settle(grads: tf.NamedTensorMap | null): void {
    const now = new Set(grads ? Object.values(grads) : []);
    for (const t of this.owned) if (!now.has(t)) t.dispose();
    this.owned.clear();
    for (const t of now) this.owned.add(t);
  }

  /** fastai's `zero_grad`: the accumulated gradients `grads` (with any a plugin put there) are dropped. */
  zero(grads: tf.NamedTensorMap | null): null {
    this.settle(grads);
    this.settle(null);
    return null;
  }
}
