import { TapfitError } from '../../plugin-sdk/index.ts';

const ONES = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function below100(n: number): string[] {
  if (n < 10) return n === 0 ? [] : [ONES[n]];
  if (n < 20) return [TEENS[n - 10]];
  return [TENS[Math.floor(n / 10)], ...(n % 10 ? [ONES[n % 10]] : [])];
}

/** `1234` → `['one', 'thousand', 'two', 'hundred', 'thirty', 'four']`, as in fastai's human numbers (no "and", no hyphens). */
export function numberWords(n: number): string[] {
  if (!Number.isInteger(n) || n < 1 || n > 999_999) throw new TapfitError('E_DATA', `numberWords: expected an integer in 1..999999, got ${n}`);
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  const words = thousands ? [...numberWords(thousands), 'thousand'] : [];
  if (rest >= 100) words.push(ONES[Math.floor(rest / 100)], 'hundred');
  return [...words, ...below100(rest % 100)];
}

export interface HumanNumbers {
  /** The corpus as text: `one , two , three , … , nine thousand nine hundred ninety nine`. */
  text: string;
  /** The corpus as token ids into `vocab`. */
  tokens: Int32Array;
  /** Tokens in order of first appearance (fastai's `L(*tokens).unique()`): `['one', ',', 'two', …]`. */
  vocab: string[];
}

/**
 * fastai's "human numbers" corpus (the book's chapter 12): the numbers 1..`upTo` written out in words,
 * joined by `separator` (default `,` as tapfit's issue spells it; the book joins the lines with `' . '`), split on spaces and numericalized with
 * a vocabulary in order of first appearance. fastai's files (train.txt 1..7999, valid.txt 8001..9999) lack
 * 8000, and so does this corpus unless `with8000`; for 1..9999 it is the book's 63,095 tokens over 30 words.
 */
export function humanNumbers(options: { upTo?: number; separator?: string; with8000?: boolean } = {}): HumanNumbers {
  const upTo = options.upTo ?? 9999;
  const separator = options.separator ?? ',';
  if (!Number.isInteger(upTo) || upTo < 2) throw new TapfitError('E_DATA', `humanNumbers: upTo must be an integer ≥ 2, got ${upTo}`);
  const words: string[] = [];
  for (let n = 1; n <= upTo; n++) {
    if (n === 8000 && !options.with8000) continue;
    if (n > 1) words.push(separator);
    words.push(...numberWords(n));
  }
  const index = new Map<string, number>();
  const tokens = new Int32Array(words.length);
  words.forEach((w, i) => {
    let id = index.get(w);
    if (id === undefined) index.set(w, (id = index.size));
    tokens[i] = id;
  });
  return { text: words.join(' '), tokens, vocab: [...index.keys()] };
}
