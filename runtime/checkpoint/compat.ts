import type * as tf from '@tensorflow/tfjs';
import { TapfitError, type DataLoader, type LearnerView } from '../../plugin-sdk/index.ts';
import type { Manifest, Setup, WeightEntry } from './manifest.ts';
import type { StoredTensor } from './format.ts';

/** What a learner is made of, as far as a checkpoint must match it to be restored. */
export function describeSetup(learn: LearnerView): Setup {
  const size = (dl: DataLoader) => ({ batches: dl.length, batchSize: dl.batchSize });
  return {
    steppers: [...learn.opt.stepperNames],
    plugins: learn.plugins.filter((p) => typeof p.stateDict === 'function').map((p) => p.name),
    data: { train: size(learn.dls.train), valid: size(learn.dls.valid) },
  };
}

/** What is restored: the weights only, everything but the optimizer state, or everything. */
export type Scope = 'weights' | 'no-optimizer' | 'all';

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const list = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');

function weightDifferences(kind: 'parameters' | 'buffers', entries: readonly WeightEntry[], vars: readonly tf.Variable[], tensors: ReadonlyMap<string, StoredTensor>): string[] {
  if (entries.length !== vars.length) {
    return [`the model has ${vars.length} ${kind}, the checkpoint ${entries.length}`];
  }
  const out: string[] = [];
  entries.forEach((entry, i) => {
    const v = vars[i];
    const stored = tensors.get(entry.tensor);
    if (!stored) {
      out.push(`the data of model ${kind} ${i} ("${entry.name}") is missing`);
      return;
    }
    const same = stored.shape.length === v.shape.length && stored.shape.every((d, k) => d === v.shape[k]);
    const one = kind.slice(0, -1);
    if (!same) out.push(`model ${one} ${i} ("${v.name}") has shape ${shapeText(v.shape)} but the checkpoint's ("${entry.name}") has ${shapeText(stored.shape)}`);
    else if (entry.dtype !== v.dtype) out.push(`model ${one} ${i} ("${v.name}") is ${v.dtype} but the checkpoint's is ${entry.dtype}`);
  });
  return out;
}

/**
 * Everything in which the checkpoint and the learner differ, for the parts that `scope` restores: the model's
 * weights (count, shapes, dtypes) always; beyond `'weights'` also the set of plugins that keep state and the data
 * loaders' sizes, and with `'all'` the optimizer's steppers (the preset). Names of variables are not compared: tfjs numbers them
 * per process, so the same model built twice has other names.
 */
export function setupDifferences(learn: LearnerView, m: Manifest, tensors: ReadonlyMap<string, StoredTensor>, scope: Scope): string[] {
  const diffs = [
    ...weightDifferences('parameters', m.model.parameters ?? [], learn.model.parameters(), tensors),
    ...weightDifferences('buffers', m.model.buffers ?? [], learn.model.buffers?.() ?? [], tensors),
  ];
  if (scope === 'weights') return diffs;
  const saved = m.setup;
  if (!saved) return [...diffs, 'the checkpoint does not describe its setup (optimizer, plugins, data)'];
  const now = describeSetup(learn);
  if (scope === 'all' && saved.steppers.join(',') !== now.steppers.join(',')) {
    diffs.push(`the optimizer's steppers are ${now.steppers.join(' → ')}, the checkpoint's ${saved.steppers.join(' → ')} (another optimizer preset)`);
  }
  const extra = saved.plugins.filter((p) => !now.plugins.includes(p));
  const missing = now.plugins.filter((p) => !saved.plugins.includes(p));
  if (extra.length) diffs.push(`the checkpoint holds the state of plugin(s) ${list(extra)}, which this learner does not have`);
  if (missing.length) diffs.push(`this learner's plugin(s) ${list(missing)} have no state in the checkpoint`);
  for (const part of ['train', 'valid'] as const) {
    const a = now.data[part];
    const b = saved.data[part];
    if (a.batches !== b.batches || a.batchSize !== b.batchSize) {
      diffs.push(`the ${part} data has ${a.batches} batches of ${a.batchSize}, the checkpoint's ${b.batches} batches of ${b.batchSize}`);
    }
  }
  return diffs;
}

/** Refuses, listing every difference, a checkpoint that does not fit the learner; nothing is changed before. */
export function checkCompatible(learn: LearnerView, file: string, m: Manifest, tensors: ReadonlyMap<string, StoredTensor>, scope: Scope): void {
  const diffs = setupDifferences(learn, m, tensors, scope);
  if (!diffs.length) return;
  const hint = scope !== 'weights' ? ' (to take just the weights, load it with { weightsOnly: true }, or tapfit fit --resume … --weights-only)' : '';
  throw new TapfitError(
    'E_CHECKPOINT',
    `checkpoint ${file}: it does not fit this learner, nothing was changed:\n${diffs.map((d) => `  - ${d}`).join('\n')}\n${hint.trim()}`.trimEnd(),
  );
}
