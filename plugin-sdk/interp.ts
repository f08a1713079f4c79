/** numpy's `interp`: linear interpolation on increasing `xs`, clamped to the end values outside. */
export function interp(x: number, xs: readonly number[], ys: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[xs.length - 1]) return ys[ys.length - 1];
  const i = xs.findIndex((v) => v > x);
  return ys[i - 1] + ((x - xs[i - 1]) / (xs[i] - xs[i - 1])) * (ys[i] - ys[i - 1]);
}

/** {@link interp} on a log10 x axis (the LR finder's): `interp(log10 x, log10 xs, ys)`. */
export function interpLogX(x: number, xs: readonly number[], ys: readonly number[]): number {
  return interp(Math.log10(x), xs.map(Math.log10), ys);
}
