export interface PoolCase {
  name: string;
  x: [number, number, number, number];
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Tiling windows (2×2/2, even and odd sizes), overlapping ones, uneven filters, a rounded numeric pad, more channels. */
export const POOL_CASES: PoolCase[] = [
  { name: '2x2/2 valid', x: [2, 8, 8, 3], filterSize: 2, strides: 2, pad: 'valid' },
  { name: '2x2/2 valid, odd size', x: [2, 7, 9, 3], filterSize: 2, strides: 2, pad: 'valid' },
  { name: '2x2/2 same, odd size', x: [2, 7, 9, 3], filterSize: 2, strides: 2, pad: 'same' },
  { name: '3x3/2 same (overlapping)', x: [2, 7, 9, 3], filterSize: 3, strides: 2, pad: 'same' },
  { name: '3x3/1 valid', x: [2, 7, 9, 3], filterSize: 3, strides: 1, pad: 'valid' },
  { name: '2x3/[2,3] valid', x: [2, 7, 9, 3], filterSize: [2, 3], strides: [2, 3], pad: 'valid' },
  { name: '3x2/[1,2] pad 1, ceil', x: [2, 7, 9, 3], filterSize: [3, 2], strides: [1, 2], pad: 1, dimRoundingMode: 'ceil' },
  // Channels in groups of four and a remainder (the SIMD kernel's two paths).
  { name: '2x2/2 valid, 6 channels', x: [2, 6, 7, 6], filterSize: 2, strides: 2, pad: 'valid' },
  { name: '3x3/2 same, 9 channels', x: [1, 7, 8, 9], filterSize: 3, strides: 2, pad: 'same' },
  // 2×2/2 windows tiling the input exactly with channels in fours: the SIMD kernel's write-every-element path.
  { name: '2x2/2 valid, 8 channels (tiling)', x: [2, 6, 8, 8], filterSize: 2, strides: 2, pad: 'valid' },
  { name: '2x2/2 same, 4 channels (tiling)', x: [3, 4, 6, 4], filterSize: 2, strides: 2, pad: 'same' },
];

/** Small integers (many ties, as after a relu), shifted negative when `negative` (windows with no value ≥ 0). */
export function poolInput(shape: number[], negative: boolean, seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const v = (s % 7) - 3;
    out[i] = negative ? v - 4 : Math.max(0, v);
  }
  return out;
}
