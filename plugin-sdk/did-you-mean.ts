import { closest, distance } from 'fastest-levenshtein';

/**
 * The candidate a mistyped `word` most likely meant: the closest one by edit distance, letter case ignored,
 * when it is close enough to be a typo (at most 2 edits, and fewer than half the word's letters).
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const byLower = new Map<string, string>();
  for (const c of candidates) if (!byLower.has(c.toLowerCase())) byLower.set(c.toLowerCase(), c);
  if (byLower.size === 0) return undefined;
  const lower = word.toLowerCase();
  const best = closest(lower, [...byLower.keys()]);
  const d = distance(lower, best);
  return d <= 2 && d < word.length / 2 ? byLower.get(best) : undefined;
}

/** `' (did you mean "afterBatch"?)'`, or `''` when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = suggest(word, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}
