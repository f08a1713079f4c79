import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRunHistory, type RunHistory } from '../../runtime/plot/history.ts';
import { cliFolders, runCli } from '../helpers/cli.ts';
import { readPng } from '../helpers/png.ts';

const tinyMnist = ['mnist', { nTrain: 64, nValid: 32, batchSize: 16 }];
const { withConfig } = cliFolders('tapfit-plot-');


const run = runCli;

/** The points of each line mark, in drawing order. */
const linePaths = (svg: string) =>
  [...svg.matchAll(/<path[^>]*aria-roledescription="line mark"[^>]*\sd="([^"]*)"/g)].map(([, d]) => [...d.matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].length);
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(([, t]) => t);

describe('tapfit fit writes history.json and the plots; tapfit plot draws a finished run', () => {
  let dir: string;
  let history: RunHistory;
  beforeAll(async () => {
    dir = withConfig({
      model: 'mnist-mlp', data: tinyMnist, metrics: ['accuracy'], fit: { epochs: 2, lr: 0.01 },
      plugins: [['save-model', { every: 'epoch', dir: 'ckpt' }]],
    });
    const r = await run(['fit'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`plots written to ${['loss', 'metrics', 'sched'].map((n) => path.join('out', `${n}.png`)).join(', ')}`);
    history = JSON.parse(readFileSync(path.join(dir, 'out', 'history.json'), 'utf8')) as RunHistory;
  });

  it('fit: loss, metrics and sched PNGs beside history.json', () => {
    expect(history.losses).toHaveLength(8);
    expect(history.values).toHaveLength(2);
    for (const name of ['loss', 'metrics', 'sched']) {
      const png = readPng(path.join(dir, 'out', `${name}.png`));
      expect(png.width).toBeGreaterThan(400);
    }
  });

  it('fit --no-plots writes history.json only', async () => {
    const r = await run(['fit', '--no-plots', '-o', 'quiet-out', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    const files = readdirSync(path.join(dir, 'quiet-out'));
    expect(files).toContain('history.json');
    expect(files.filter((f) => /\.(png|svg)$/.test(f))).toEqual([]);
  });

  it('plot <history.json> -o run.svg: one figure with the loss per batch, every epoch column and the schedules', async () => {
    const r = await run(['plot', 'out/history.json', '-o', 'figs/run.svg'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`plots written: ${path.join('figs', 'run.svg')}`);
    const svg = readFileSync(path.join(dir, 'figs', 'run.svg'), 'utf8');
    // 8 batches (no skip below 10): train line of 8 points, valid of 2; train_loss, valid_loss, accuracy per epoch (2 each); lr and mom per batch.
    expect(linePaths(svg)).toEqual([8, 2, 2, 2, 2, 8, 8]);
    expect(texts(svg)).toEqual(expect.arrayContaining(['Loss', 'Per epoch', 'train_loss', 'valid_loss', 'accuracy', 'Hyper-parameter schedules', 'lr', 'mom']));
  });

  it('plot <run folder> writes loss/metrics/sched there; --format svg; -o run.png one PNG', async () => {
    rmSync(path.join(dir, 'out', 'loss.png'));
    const r = await run(['plot', 'out'], dir);
    expect(r.code, r.err).toBe(0);
    readPng(path.join(dir, 'out', 'loss.png'));
    const svg = await run(['plot', 'out', '-o', 'svgs', '--format', 'svg'], dir);
    expect(svg.code, svg.err).toBe(0);
    expect(readdirSync(path.join(dir, 'svgs')).sort()).toEqual(['loss.svg', 'metrics.svg', 'sched.svg']);
    const one = await run(['plot', 'out/history.json', '-o', 'run.png'], dir);
    expect(one.code, one.err).toBe(0);
    expect(readPng(path.join(dir, 'run.png')).height).toBeGreaterThan(1000);
  });

  it('plot <checkpoint>: the recorder state saved in it gives the same history', async () => {
    const fromCkpt = readRunHistory(path.join(dir, 'ckpt', 'last.tapfit'));
    expect(fromCkpt.metricNames).toEqual(history.metricNames);
    expect(fromCkpt.values).toEqual(history.values);
    expect(fromCkpt.losses).toEqual(history.losses);
    expect(fromCkpt.hps.lr).toEqual(history.hps.lr);
    const r = await run(['plot', 'ckpt', '-o', 'ckpt-plots'], dir);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(path.join(dir, 'ckpt-plots')).sort()).toEqual(['loss.png', 'metrics.png', 'sched.png']);
  });

  it('bad sources and options exit 2 with the reason', async () => {
    const missing = await run(['plot', 'nope.json'], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.json: no such file or folder \(expected history\.json, a checkpoint or a run folder\)/);
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ metricNames: ['epoch', 'train_loss'], values: [], iters: [], losses: 'x' }));
    const bad = await run(['plot', 'other.json'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/other\.json: not a run history \(losses: .*\); expected the history\.json that `tapfit fit` writes/);
    const format = await run(['plot', 'out', '--format', 'gif'], dir);
    expect(format.code).toBe(2);
    expect(format.err).toMatch(/--format: expected png or svg, got "gif"/);
    const empty = await run(['plot', 'ckpt-plots'], dir);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/holds no history\.json, last\.tapfit or checkpoints\/last\.tapfit/);
  });
});

describe('tapfit fit --dashboard', () => {
  it('serves the dashboard while training (URL printed), and stops it when the command ends', async () => {
    const dir = withConfig({ model: 'mnist-mlp', data: tinyMnist, fit: { epochs: 1, lr: 0.01 } });
    const r = await run(['fit', '--dashboard', '--no-plots'], dir);
    expect(r.code, r.err).toBe(0);
    const url = r.out.match(/^dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m)?.[1];
    expect(url).toBeDefined();
    await expect(fetch(url!)).rejects.toThrow();
    const bad = await run(['fit', '--dashboard', '99999'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--dashboard \[port\].*expected a port number \(0 for a free one\), got "99999"/);
  });
});

describe('tapfit lr-find --plot', () => {
  it('writes the plot as PNG when the file says so; another extension exits 2 before the sweep', async () => {
    const dir = withConfig({ model: 'mnist-mlp', data: tinyMnist, lrFind: { numIt: 20 } });
    const r = await run(['lr-find', '--plot', 'plots/lr.png'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`plot written to ${path.join('plots', 'lr.png')}`);
    readPng(path.join(dir, 'plots', 'lr.png'));
    const bad = await run(['lr-find', '--plot', 'lr.gif'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/chart file ".*lr\.gif": expected a name ending in \.svg or \.png/);
  });
});
