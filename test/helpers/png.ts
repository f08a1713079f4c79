import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { expect } from 'vitest';

/** The file's signature and IHDR (read by hand), then a full decode (pngjs): a real PNG of `width`×`height`. */
export function readPng(file: string, size?: { width: number; height: number }): PNG {
  const bytes = readFileSync(file);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
  const png = PNG.sync.read(bytes);
  expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([png.width, png.height]);
  if (size) expect({ width: png.width, height: png.height }).toEqual(size);
  return png;
}

/** Pixels whose colour is close to `rgb` (a chart's line or mark colour). */
export function countColour(png: PNG, [r, g, b]: [number, number, number], tolerance = 40): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (Math.abs(png.data[i] - r) + Math.abs(png.data[i + 1] - g) + Math.abs(png.data[i + 2] - b) <= tolerance && png.data[i + 3] > 200) n++;
  }
  return n;
}

/** The SVG's own width and height (what the PNG is, times its scale). */
export function svgSize(svg: string): { width: number; height: number } {
  const [, w, h] = svg.match(/<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/) ?? [];
  return { width: Number(w), height: Number(h) };
}
