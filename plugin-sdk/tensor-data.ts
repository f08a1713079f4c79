import type * as TfTypes from '@tensorflow/tfjs';
import { tf } from './tf.ts';

/** The values of a serialised tensor: float32, or int32 for an int32 tensor; plain numbers are read as float32. */
export type TensorValues = Float32Array | Int32Array;

/** A tensor as plain data that survives `stateDict()` and a checkpoint: its shape and a copy of its values. */
export interface TensorData {
  shape: number[];
  values: TensorValues;
}

/** A copy of `t`'s shape and values (int32 stays int32; anything else is read as float32). */
export function tensorData(t: TfTypes.Tensor): TensorData {
  return { shape: [...t.shape], values: (t.dataSync() as TensorValues).slice() };
}

/** The tensor `tensorData` read: int32 for an `Int32Array`, else float32 (plain number arrays included). */
export function tensorFromData(data: { readonly shape: readonly number[]; readonly values: TensorValues | readonly number[] }): TfTypes.Tensor {
  const dtype = data.values instanceof Int32Array ? 'int32' : 'float32';
  return tf.tensor(data.values as TensorValues | number[], [...data.shape], dtype);
}
