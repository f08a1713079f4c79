import protobuf from 'protobufjs';

/**
 * The slice of TensorBoard's `Event`/`Summary`/`HistogramProto` messages (tensorboard/compat/proto/event.proto,
 * summary.proto, histogram.proto) that tapfit writes: scalars as `simple_value`, weight histograms as `histo`.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    tensorboard: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['fileVersion', 'summary'] } },
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              oneofs: { value: { oneof: ['simpleValue', 'histo'] } },
              fields: {
                tag: { type: 'string', id: 1 },
                simpleValue: { type: 'float', id: 2 },
                histo: { type: 'HistogramProto', id: 5 },
              },
            },
          },
        },
        HistogramProto: {
          fields: {
            min: { type: 'double', id: 1 },
            max: { type: 'double', id: 2 },
            num: { type: 'double', id: 3 },
            sum: { type: 'double', id: 4 },
            sumSquares: { type: 'double', id: 5 },
            bucketLimit: { rule: 'repeated', type: 'double', id: 6, options: { packed: true } },
            bucket: { rule: 'repeated', type: 'double', id: 7, options: { packed: true } },
          },
        },
      },
    },
  },
});
const Event = root.lookupType('tensorboard.Event');

export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  /** Right edge of each bucket (the first reaches down to −∞), ascending. */
  bucketLimit: number[];
  bucket: number[];
}

export type SummaryValue = { tag: string; simpleValue: number } | { tag: string; histo: Histogram };

/** The first event of every file: `file_version: "brain.Event:2"`. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return Event.encode(Event.create({ wallTime, fileVersion: 'brain.Event:2' })).finish();
}

export function summaryEvent(wallTime: number, step: number, values: readonly SummaryValue[]): Uint8Array {
  return Event.encode(Event.create({ wallTime, step, summary: { value: values } })).finish();
}

/**
 * `bins` equal-width buckets over [min, max] (one bucket when all values are equal), counts as doubles as the
 * proto wants. NaN values are left out of every statistic.
 */
export function histogram(values: ArrayLike<number>, bins: number): Histogram | null {
  let min = Infinity;
  let max = -Infinity;
  let num = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    num += 1;
    sum += v;
    sumSquares += v * v;
  }
  if (num === 0) return null;
  if (min === max) return { min, max, num, sum, sumSquares, bucketLimit: [max], bucket: [num] };
  const width = (max - min) / bins;
  const bucket = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    bucket[Math.min(bins - 1, Math.floor((v - min) / width))] += 1;
  }
  const bucketLimit = bucket.map((_, b) => (b === bins - 1 ? max : min + width * (b + 1)));
  return { min, max, num, sum, sumSquares, bucketLimit, bucket };
}
