import type { FitProgress } from './progress.ts';

/** A model variable in the checkpoint: the safetensors entry holding it, and its name when saved (for messages). */
export interface WeightEntry {
  tensor: string;
  name: string;
  dtype: string;
}

/** Everything but the tensor bytes, stored as JSON in the file's `__metadata__.manifest`. */
export interface Manifest {
  createdBy: string;
  savedAt: string;
  backend: string;
  model: { parameters: WeightEntry[]; buffers: WeightEntry[] };
  /** The optimizer's `stateDict()` (encoded); absent when saved with `withOpt: false`. */
  optimizer?: unknown;
  /** Each plugin's `stateDict()` (encoded), by plugin name. */
  plugins: Record<string, unknown>;
  /** The data loaders' `stateDict()` (shuffle RNG), encoded. */
  data: { train?: unknown; valid?: unknown };
  progress: FitProgress & {
    /** The learner's counters when saved. */
    epoch: number;
    trainIter: number;
    pctTrain: number;
    smoothLoss: number | null;
  };
}
