import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { lineChart, renderSvg, writeChart } from '../../plugin-sdk/index.ts';
import { lossChart } from '../../plugin-sdk/run-charts.ts';
import { countColour, readPng, svgSize } from '../helpers/png.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tapfit-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// vega's default palette: the first series, the second, and the lr-finder's third suggestion colour.
const BLUE: [number, number, number] = [0x4c, 0x78, 0xa8];
const ORANGE: [number, number, number] = [0xf5, 0x85, 0x18];

/** The size a chart's PNG must have: its SVG's size at the default scale 2. */
async function pngSizeOf(svgFile: string) {
  const { width, height } = svgSize(readFileSync(svgFile, 'utf8'));
  return { width: Math.round(width * 2), height: Math.round(height * 2) };
}

describe('PNG charts (chosen by the extension)', () => {
  let learn: Learner;
  beforeAll(async () => {
    learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(12, 2, 2), lossFunc: 'mse', optimizer: 'adam', backend: 'cpu', quiet: true });
    await learn.fitOneCycle(3, 1e-2);
  });

  it('plotLoss and plotSched write decodable PNGs the size of their SVGs ×2, with the lines drawn', async () => {
    const r = learn.recorder!;
    for (const [name, draw] of [['loss', (f: string) => r.plotLoss(f)], ['sched', (f: string) => r.plotSched(f)]] as const) {
      await draw(path.join(dir, `${name}.svg`));
      await draw(path.join(dir, `${name}.png`));
      const png = readPng(path.join(dir, `${name}.png`), await pngSizeOf(path.join(dir, `${name}.svg`)));
      expect(countColour(png, BLUE), name).toBeGreaterThan(200);
    }
    // The loss chart has a valid series too (orange).
    expect(countColour(readPng(path.join(dir, 'loss.png')), ORANGE)).toBeGreaterThan(50);
    expect(countColour(readPng(path.join(dir, 'sched.png')), ORANGE)).toBe(0);
  });

  it("lrFind({ plot: 'lr.png' }) plots its own suggestions", async () => {
    const file = path.join(dir, 'lr.png');
    const found = await learn.lrFind({ numIt: 40, stopDiv: false, plot: file });
    expect(found.valley).toBeGreaterThan(0);
    const png = readPng(file);
    // The same sweep as SVG, for the size and the marks: four suggestions, one point each.
    await learn.recorder!.plotLrFind(path.join(dir, 'lr.svg'), found.points);
    const svg = readFileSync(path.join(dir, 'lr.svg'), 'utf8');
    expect([...svg.matchAll(/aria-roledescription="point"/g)]).toHaveLength(4);
    expect({ width: png.width, height: png.height }).toEqual(await pngSizeOf(path.join(dir, 'lr.svg')));
    expect(countColour(png, BLUE)).toBeGreaterThan(200);
  });

  it('writeChart: .svg writes the SVG text, .png a PNG; any other extension is refused by name', async () => {
    const spec = lineChart([{ name: 'a', x: [1, 2, 3], y: [3, 1, 2] }], { width: 200, height: 100 });
    await writeChart(path.join(dir, 'sub', 'line.svg'), spec);
    expect(readFileSync(path.join(dir, 'sub', 'line.svg'), 'utf8')).toBe(await renderSvg(spec));
    await writeChart(path.join(dir, 'sub', 'line.PNG'), spec, { scale: 1 });
    const { width, height } = svgSize(await renderSvg(spec));
    readPng(path.join(dir, 'sub', 'line.PNG'), { width: Math.round(width), height: Math.round(height) });
    await expect(writeChart(path.join(dir, 'line.jpg'), spec)).rejects.toThrow(/chart file ".*line\.jpg": expected a name ending in \.svg or \.png/);
    await expect(writeChart(path.join(dir, 'x.png'), lossChart([], []), { scale: 0 })).rejects.toThrow(/"scale" must be a positive number/);
  });
});
