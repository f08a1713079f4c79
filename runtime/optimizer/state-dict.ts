import type * as tf from '@tensorflow/tfjs';
import { tensorData, tensorFromData, type ParamState } from '../../plugin-sdk/index.ts';

/** A tensor in a state dict: its shape and float32 values as plain numbers (round-trips exactly). */
export interface SerialTensor {
  shape: number[];
  values: number[];
}

export type SerialEntry = SerialTensor | number | boolean;

export function isSerialTensor(value: unknown): value is SerialTensor {
  const v = value as Partial<SerialTensor> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.shape) && Array.isArray(v.values);
}

/** The SDK's `tensorData` with the values as plain numbers: optimizer state dicts are JSON-shaped. */
export function serialiseTensor(t: tf.Tensor): SerialTensor {
  const { shape, values } = tensorData(t);
  return { shape, values: Array.from(values) };
}

export function deserialiseTensor(s: SerialTensor): tf.Tensor {
  return tensorFromData(s);
}

export function serialiseState(state: ParamState): Record<string, SerialEntry> {
  const out: Record<string, SerialEntry> = {};
  for (const [key, value] of Object.entries(state)) out[key] = typeof value === 'object' ? serialiseTensor(value) : value;
  return out;
}

export function deserialiseState(entries: Record<string, unknown>): ParamState {
  const out: ParamState = {};
  for (const [key, value] of Object.entries(entries)) {
    if (isSerialTensor(value)) out[key] = deserialiseTensor(value);
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

/** Dispose every tensor of a state, except those in `keep`. */
export function disposeState(state: ParamState, keep?: ReadonlySet<tf.Tensor>): void {
  for (const value of Object.values(state)) {
    if (typeof value === 'object' && !keep?.has(value)) value.dispose();
  }
}
