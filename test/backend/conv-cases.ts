type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

export type Pad = 'same' | 'valid' | number | ExplicitPadding;

export interface ConvCase {
  name: string;
  /** NHWC input shape (transposed for NCHW cases). */
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const STRIDES: Array<number | [number, number]> = [1, 2, [2, 3]];
const PADS: Pad[] = [
  'same',
  'valid',
  [
    [0, 0],
    [1, 2],
    [2, 0],
    [0, 0],
  ],
];

/** Strides 1, 2, [2,3] × paddings same, valid, explicit (NHWC), plus NCHW, a rounded numeric pad and a 5×4 filter. */
export const CONV_CASES: ConvCase[] = [
  ...STRIDES.flatMap((strides) =>
    PADS.map(
      (pad): ConvCase => ({
        name: `stride ${JSON.stringify(strides)} pad ${JSON.stringify(pad)}`,
        x: [2, 7, 8, 3],
        filter: [3, 3, 3, 4],
        strides,
        pad,
        dataFormat: 'NHWC',
      }),
    ),
  ),
  { name: 'NCHW stride 2 same', x: [2, 7, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same', dataFormat: 'NCHW' },
  { name: 'numeric pad 1, ceil rounding', x: [2, 7, 8, 3], filter: [2, 2, 3, 4], strides: 2, pad: 1, dataFormat: 'NHWC', dimRoundingMode: 'ceil' },
  { name: 'filter 5x4, stride [2,3], same', x: [1, 9, 10, 2], filter: [5, 4, 2, 3], strides: [2, 3], pad: 'same', dataFormat: 'NHWC' },
  { name: 'more channels (5 → 6), stride 1, same', x: [3, 9, 11, 5], filter: [3, 3, 5, 6], strides: 1, pad: 'same', dataFormat: 'NHWC' },
  // The SIMD im2col's four-positions-at-once paths (channels in fours; one channel) and their row edges.
  { name: 'channels in fours (8 → 5), stride 1, same, odd width', x: [2, 6, 13, 8], filter: [3, 3, 8, 5], strides: 1, pad: 'same', dataFormat: 'NHWC' },
  { name: 'one channel (1 → 6), stride 1, same', x: [2, 9, 11, 1], filter: [3, 3, 1, 6], strides: 1, pad: 'same', dataFormat: 'NHWC' },
  { name: 'one channel, stride [1, 2], valid', x: [1, 8, 10, 1], filter: [3, 2, 1, 3], strides: [1, 2], pad: 'valid', dataFormat: 'NHWC' },
  // Output channels in eights: the SIMD filter gradient without im2col (K = fh·fw·inC not a multiple of 4 too).
  { name: 'outputs in eights (3 → 8), stride 1, same', x: [2, 7, 9, 3], filter: [3, 3, 3, 8], strides: 1, pad: 'same', dataFormat: 'NHWC' },
  { name: 'outputs in eights (4 → 16), stride [2, 3], explicit pad', x: [2, 9, 11, 4], filter: [3, 2, 4, 16], strides: [2, 3], pad: [[0, 0], [1, 2], [2, 0], [0, 0]], dataFormat: 'NHWC' },
  { name: 'two channels to 16, stride [2, 3], explicit pad', x: [2, 9, 11, 2], filter: [3, 2, 2, 16], strides: [2, 3], pad: [[0, 0], [1, 2], [2, 0], [0, 0]], dataFormat: 'NHWC' },
  { name: 'one channel to 8, stride 2, valid', x: [3, 8, 9, 1], filter: [3, 3, 1, 8], strides: 2, pad: 'valid', dataFormat: 'NHWC' },
  { name: 'padding wider than the filter', x: [1, 6, 6, 2], filter: [2, 2, 2, 3], strides: 1, pad: [[0, 0], [3, 0], [0, 3], [0, 0]], dataFormat: 'NHWC' },
];

/** The input shape in the case's data format. */
export function inputShape(c: ConvCase): [number, number, number, number] {
  const [b, h, w, ch] = c.x;
  return c.dataFormat === 'NCHW' ? [b, ch, h, w] : c.x;
}
