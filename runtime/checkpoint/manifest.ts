import type { FitProgress } from './progress.ts';

/** A model variable in the checkpoint: the safetensors entry holding it, and its name when saved (for messages). */
export interface WeightEntry {
  tensor: string;
  name: string;
  dtype: string;
}

/** What the checkpoint's learner was made of, compared before anything is restored (compat.ts). */
export interface Setup {
  /** The optimizer's stepper names, in order (they identify the preset). */
  steppers: string[];
  /** The plugins that keep state, by name. */
  plugins: string[];
  data: { train: { batches: number; batchSize: number }; valid: { batches: number; batchSize: number } };
}

/** Everything but the tensor bytes, stored as JSON in the file's `__metadata__.manifest`. */
export interface Manifest {
  createdBy: string;
  savedAt: string;
  backend: string;
  model: {
    parameters: WeightEntry[];
    buffers: WeightEntry[];
    /** The model's `stateDict()` at the resume point (encoded), for models that have one (an RNN's hidden state). */
    state?: unknown;
  };
  setup: Setup;
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
