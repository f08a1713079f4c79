import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { humanNumbers, numberWords } from '../../runtime/data/human-numbers.ts';
import { LMDataLoader, LMDataLoaders } from '../../runtime/data/lm.ts';

const rows = (t: tf.Tensor) => t.arraySync() as number[][];

describe('humanNumbers', () => {
  it('writes numbers as fastai does', () => {
    expect(numberWords(1).join(' ')).toBe('one');
    expect(numberWords(19).join(' ')).toBe('nineteen');
    expect(numberWords(40).join(' ')).toBe('forty');
    expect(numberWords(101).join(' ')).toBe('one hundred one');
    expect(numberWords(1000).join(' ')).toBe('one thousand');
    expect(numberWords(9999).join(' ')).toBe('nine thousand nine hundred ninety nine');
    expect(numberWords(7020).join(' ')).toBe('seven thousand twenty');
  });

  it('builds the book corpus: 63,095 tokens over 30 words, vocab in order of first appearance', () => {
    const { text, tokens, vocab } = humanNumbers();
    expect(tokens).toBeInstanceOf(Int32Array);
    expect(tokens.length).toBe(63095);
    expect(vocab.length).toBe(30);
    expect(vocab.slice(0, 4)).toEqual(['one', ',', 'two', 'three']);
    expect(text.startsWith('one , two , three , four')).toBe(true);
    expect(text.endsWith('nine thousand nine hundred ninety nine')).toBe(true);
    expect(Array.from(tokens.slice(0, 5), (i) => vocab[i])).toEqual(['one', ',', 'two', ',', 'three']);
    // like fastai's files (train 1..7999, valid 8001..9999), the corpus lacks 8000
    expect(text).toContain(', seven thousand nine hundred ninety nine , eight thousand one ,');
    expect(humanNumbers({ with8000: true }).tokens.length).toBe(63098);
  });

  it('takes upTo and a separator', () => {
    expect(humanNumbers({ upTo: 3 }).text).toBe('one , two , three');
    expect(humanNumbers({ upTo: 3, separator: '.' }).text).toBe('one . two . three');
  });
});

describe('LMDataLoader', () => {
  // stream 0..N-1, so every id is its own position
  const stream = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

  it("lays batches out as fastai's LMDataLoader: row i of batch t+1 continues row i of batch t", () => {
    const dl = new LMDataLoader(stream(27), { batchSize: 3, seqLen: 4 });
    // bl = ⌊26/3⌋ = 8 tokens per row: rows start at 0, 8, 16; two batches of 4 columns
    expect(dl.rowLength).toBe(8);
    expect(dl.length).toBe(2);
    const batches = [...dl];
    expect(batches.map((b) => b.map((t) => t.dtype))).toEqual([['int32', 'int32'], ['int32', 'int32']]);
    expect(rows(batches[0][0])).toEqual([[0, 1, 2, 3], [8, 9, 10, 11], [16, 17, 18, 19]]);
    expect(rows(batches[1][0])).toEqual([[4, 5, 6, 7], [12, 13, 14, 15], [20, 21, 22, 23]]);
    expect(rows(batches[0][1])).toEqual([[1, 2, 3, 4], [9, 10, 11, 12], [17, 18, 19, 20]]);
    expect(rows(batches[1][1])).toEqual([[5, 6, 7, 8], [13, 14, 15, 16], [21, 22, 23, 24]]);
    tf.dispose(batches.flat());
  });

  it('ends with a shorter batch when seqLen does not divide the row length', () => {
    const dl = new LMDataLoader(stream(23), { batchSize: 2, seqLen: 4 });
    // bl = 11: batches of 4, 4, 3 columns
    expect(dl.length).toBe(3);
    const batches = [...dl];
    expect(batches.map((b) => b[0].shape)).toEqual([[2, 4], [2, 4], [2, 3]]);
    expect(rows(batches[2][0])).toEqual([[8, 9, 10], [19, 20, 21]]);
    expect(rows(batches[2][1])).toEqual([[9, 10, 11], [20, 21, 22]]);
    // the rows, read across batches, are contiguous slices of the stream, and targets are inputs shifted by one
    const row = (b: number) => batches.flatMap((batch) => rows(batch[0])[b]);
    expect(row(0)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(row(1)).toEqual(Array.from({ length: 11 }, (_, i) => 11 + i));
    tf.dispose(batches.flat());
  });

  it('refuses too few tokens', () => {
    expect(() => new LMDataLoader(stream(3), { batchSize: 4, seqLen: 2 })).toThrow(/too few/);
  });
});

describe('LMDataLoaders', () => {
  it('takes the last validPct of the stream for validation, and does not leak', () => {
    const tokens = Int32Array.from({ length: 1000 }, (_, i) => i % 30);
    const dls = LMDataLoaders.fromTokens(tokens, { batchSize: 4, seqLen: 8, validPct: 0.2 });
    expect(dls.train.tokens.length).toBe(800);
    expect(dls.valid.tokens.length).toBe(200);
    expect(dls.valid.tokens[0]).toBe(800 % 30);
    expect(dls.nInp).toBe(1);
    const before = tf.memory().numTensors;
    for (const b of dls.valid) tf.dispose(b);
    expect(tf.memory().numTensors).toBe(before);
  });
});
