import {
  CancelBackwardError,
  CancelBatchError,
  CancelEpochError,
  CancelFitError,
  CancelStepError,
  CancelTrainError,
  CancelValidateError,
  type CancelError,
} from '../../plugin-sdk/index.ts';

/**
 * An independent model of fastai's control flow (spec §1.2–1.3), used as the oracle for the learner's
 * event sequence: `raise(event, n)` may return an error to throw at the n-th dispatch of `event`.
 */
export function fastaiFlow(
  shape: { nEpoch: number; nTrain: number; nValid: number },
  raise: (event: string, occurrence: number) => Error | undefined,
): { events: string[]; escaped: unknown } {
  const events: string[] = [];
  const counts = new Map<string, number>();
  const dispatch = (event: string) => {
    events.push(event);
    const n = (counts.get(event) ?? 0) + 1;
    counts.set(event, n);
    const error = raise(event, n);
    if (error) throw error;
  };
  const withEvents = (body: () => void, name: string, Cancel: new () => CancelError) => {
    try {
      dispatch(`before${name}`);
      body();
    } catch (e) {
      if (e instanceof Cancel) dispatch(`afterCancel${name}`);
      else throw e;
    }
    dispatch(`after${name}`);
  };
  let training = false;
  const oneBatch = () =>
    withEvents(
      () => {
        dispatch('afterPred');
        dispatch('afterLoss');
        if (!training) return;
        withEvents(() => {}, 'Backward', CancelBackwardError);
        withEvents(() => {}, 'Step', CancelStepError);
      },
      'Batch',
      CancelBatchError,
    );
  const doFit = () => {
    for (let epoch = 0; epoch < shape.nEpoch; epoch++) {
      withEvents(
        () => {
          training = true;
          withEvents(() => { for (let i = 0; i < shape.nTrain; i++) oneBatch(); }, 'Train', CancelTrainError);
          training = false;
          withEvents(() => { for (let i = 0; i < shape.nValid; i++) oneBatch(); }, 'Validate', CancelValidateError);
        },
        'Epoch',
        CancelEpochError,
      );
    }
  };
  let escaped: unknown;
  try {
    withEvents(doFit, 'Fit', CancelFitError);
  } catch (e) {
    escaped = e;
  }
  return { events, escaped };
}
