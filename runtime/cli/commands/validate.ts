import type { Learner } from '../../learner/learner.ts';
import { EXIT_OK, TrainingError } from '../errors.ts';
import type { CliIO } from '../io.ts';
import { inferenceLearner, type ModelFlags } from './inference-learner.ts';

export interface ValidateFlags extends ModelFlags {
  /** Print `{ "valid_loss": …, "<metric>": … }` as JSON. */
  json?: boolean;
}

/** `tapfit validate`: fastai's `learn.validate()` on the config's validation data. */
export async function validateCommand(flags: ValidateFlags, io: CliIO): Promise<number> {
  const learn: Learner = await inferenceLearner(flags, io, true);
  let values: number[];
  try {
    values = await learn.validate();
  } catch (error) {
    throw new TrainingError('validation failed', { cause: error });
  }
  const names = ['valid_loss', ...learn.metrics.map((m) => m.name)];
  if (flags.json) io.stdout(JSON.stringify(Object.fromEntries(names.map((n, i) => [n, values[i]]))));
  else io.stdout(names.map((n, i) => `${n} ${values[i].toFixed(6)}`).join('\n'));
  return EXIT_OK;
}
