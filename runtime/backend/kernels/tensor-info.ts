import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';

/**
 * A kernel's inputs as tensors usable by tfjs ops. Ops hand kernels real `tf.Tensor`s; a bare `TensorInfo`
 * (a backend calling a kernel directly) is wrapped with its own reference so disposing the wrapper never
 * frees the caller's data.
 */
export function asTensor(info: TensorInfo): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  const engine = tf.engine();
  const tensor = engine.makeTensorFromTensorInfo(info);
  engine.backend.incRef(info.dataId);
  return tensor;
}

/**
 * Runs a kernel body written with tfjs ops. Ops called inside a kernel are not taped (the engine raises its
 * kernel depth), `tidy` frees the intermediates, and a returned `tf.Tensor` is handed on by the engine as the
 * kernel's output as is (it checks `rank`), so nothing is copied and nothing leaks.
 */
export function runOps(body: () => tf.Tensor): TensorInfo {
  return tf.tidy(body);
}
