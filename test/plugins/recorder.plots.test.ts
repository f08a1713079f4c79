import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { lineChart, writeSvg } from '../../plugin-sdk/index.ts';
import type { SuggestedLrs } from '../../runtime/fit/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tapfit-plots-'));

/** Every tag closed in order (a well-formedness check without an XML parser). */
function expectWellFormedSvg(svg: string) {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  const stack: string[] = [];
  for (const [, close, name, selfClose] of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (close) expect(stack.pop()).toBe(name);
    else if (!selfClose) stack.push(name);
  }
  expect(stack).toEqual([]);
}

/** The points of each line mark's path, in drawing order: `M x,y L x,y …`. */
function linePaths(svg: string): [number, number][][] {
  return [...svg.matchAll(/<path[^>]*aria-roledescription="line mark"[^>]*\sd="([^"]*)"/g)].map(([, d]) =>
    [...d.matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].map(([, x, y]) => [Number(x), Number(y)] as [number, number]),
  );
}

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(([, t]) => t);
}

describe('charts (vega-lite → SVG)', () => {
  let learn: Learner;
  let found: SuggestedLrs;
  beforeAll(async () => {
    learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(12, 2, 2), lossFunc: 'mse', optimizer: 'adam', backend: 'cpu', quiet: true });
    found = await learn.lrFind({ numIt: 40, stopDiv: false, plot: path.join(dir, 'lr-find-auto.svg') });
    await learn.fitOneCycle(3, 1e-2);
  });

  it('plotLoss: one point per smoothed loss after skipStart, and one per epoch for the valid loss', async () => {
    const file = path.join(dir, 'loss.svg');
    await learn.recorder!.plotLoss!(file);
    const svg = readFileSync(file, 'utf8');
    expectWellFormedSvg(svg);
    const [train, valid] = linePaths(svg);
    expect(train).toHaveLength(36 - 5);
    expect(valid).toHaveLength(3);
    // The valid points sit at x = iters (12, 24, 36) on the same axis as the training curve (x = 5…35).
    const xOf = (it: number) => train[0][0] + ((it - 5) * (train[30][0] - train[0][0])) / 30;
    valid.forEach(([x], e) => expect(x).toBeCloseTo(xOf(12 * (e + 1)), 0));
    expect(texts(svg)).toEqual(expect.arrayContaining(['loss', 'iteration (training batches)', 'train', 'valid']));
  });

  it('plotSched: a panel per scheduled hyper (lr, mom), one point per batch', async () => {
    const file = path.join(dir, 'sched.svg');
    await learn.recorder!.plotSched!(file);
    const svg = readFileSync(file, 'utf8');
    expectWellFormedSvg(svg);
    const paths = linePaths(svg);
    expect(paths).toHaveLength(2);
    for (const p of paths) expect(p).toHaveLength(36);
    expect(texts(svg)).toEqual(expect.arrayContaining(['lr', 'mom']));
  });

  it('plotLrFind: a log-x axis (equal steps for the exponential lrs) and the suggestions marked', async () => {
    const file = path.join(dir, 'lr-find.svg');
    // The recorder now holds the one-cycle fit: plot a fresh sweep.
    const sweep = await learn.lrFind({ numIt: 40, stopDiv: false });
    await learn.recorder!.plotLrFind!(file, sweep.points);
    const svg = readFileSync(file, 'utf8');
    expectWellFormedSvg(svg);
    const [curve] = linePaths(svg);
    expect(curve).toHaveLength(40 - 5);
    const steps = curve.slice(1).map(([x], i) => x - curve[i][0]);
    for (const s of steps) expect(s).toBeCloseTo(steps[0], 1);
    const marks = [...svg.matchAll(/aria-roledescription="point"/g)];
    expect(marks).toHaveLength(4);
    expect(texts(svg)).toEqual(expect.arrayContaining(['learning rate (log scale)', 'smoothed loss', 'valley', 'minimum', 'steep', 'slide']));
    expect(readFileSync(path.join(dir, 'lr-find-auto.svg'), 'utf8')).toContain('valley');
    expect(found.valley).toBeGreaterThan(0);
  });

  it('lineChart/writeSvg: several series on one chart', async () => {
    const file = path.join(dir, 'sub', 'lines.svg');
    await writeSvg(file, lineChart([
      { name: 'a', x: [1, 2, 3], y: [3, 2, 1] },
      { name: 'b', x: [1, 2, 3, 4], y: [1, 2, 3, 4] },
    ], { title: 'two', xTitle: 'epoch', yTitle: 'loss', logY: true }));
    const svg = readFileSync(file, 'utf8');
    expectWellFormedSvg(svg);
    expect(linePaths(svg).map((p) => p.length)).toEqual([3, 4]);
    expect(texts(svg)).toEqual(expect.arrayContaining(['two', 'epoch', 'loss', 'a', 'b']));
  });
});
