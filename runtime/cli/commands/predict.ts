import * as tf from '@tensorflow/tfjs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { displayPath } from '../../config/errors.ts';
import { EXIT_OK, TrainingError, UsageError } from '../errors.ts';
import type { CliIO } from '../io.ts';
import { inferenceLearner, type ModelFlags } from './inference-learner.ts';

export interface PredictFlags extends ModelFlags {
  /** A JSON file: one item, or an array of items (nested number arrays in the model's input shape). */
  input?: string;
  /** How many validation items to predict when there is no `--input` (default 10). */
  n?: number;
  /** Write the predictions here (JSON) instead of printing them. */
  output?: string;
}

async function readInputs(file: string, io: CliIO): Promise<tf.Tensor> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path.resolve(io.cwd, file), 'utf8'));
  } catch (error) {
    throw new UsageError(`--input: cannot read "${file}" as JSON (${error instanceof Error ? error.message : String(error)}); expected an item or an array of items as nested number arrays`);
  }
  try {
    return tf.tensor(json as number[]);
  } catch (error) {
    throw new UsageError(`--input: "${file}" is not a rectangular array of numbers (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** The first `n` validation inputs of the learner's data. */
function validationInputs(learn: Awaited<ReturnType<typeof inferenceLearner>>, n: number): tf.Tensor {
  const parts: tf.Tensor[] = [];
  let have = 0;
  for (const batch of learn.dls.valid) {
    const [x, ...rest] = batch;
    rest.forEach((t) => t.dispose());
    parts.push(x);
    have += x.shape[0];
    if (have >= n) break;
  }
  if (parts.length === 0) throw new UsageError('predict: the config\'s data has no validation items; give --input <file.json>');
  const all = tf.tidy(() => tf.concat(parts, 0).slice(0, Math.min(n, have)));
  tf.dispose(parts);
  return all;
}

/** `tapfit predict`: fastai's `learn.predict` on a file of inputs, or on the config's first validation items. */
export async function predictCommand(flags: PredictFlags, io: CliIO): Promise<number> {
  const learn = await inferenceLearner(flags, io, !flags.input);
  const x = flags.input ? await readInputs(flags.input, io) : validationInputs(learn, flags.n ?? 10);
  let result: { decoded: unknown; probs: number[] | number[][] };
  try {
    const out = await learn.predict(x);
    result = { decoded: out.decoded, probs: out.probs.arraySync() as number[] | number[][] };
    tf.dispose([out.pred, out.probs]);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const cause = error as { code?: string };
    if (cause.code === 'E_DATA') throw new UsageError(error instanceof Error ? error.message : String(error));
    throw new TrainingError('prediction failed', { cause: error });
  } finally {
    x.dispose();
  }
  const text = JSON.stringify(result);
  if (flags.output) {
    const file = path.resolve(io.cwd, flags.output);
    await writeFile(file, `${text}\n`);
    io.stdout(`predictions written to ${displayPath(file, io.cwd)}`);
  } else io.stdout(JSON.stringify(result.decoded));
  return EXIT_OK;
}
