import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { mnist } from '../../runtime/data/mnist.ts';
import { mnistMlp } from '../../runtime/models/mnist.ts';
import { historyOf, writeRunPlots } from '../../runtime/plot/history.ts';
import { definePlugin, type Plugin } from '../../plugin-sdk/index.ts';

/** Debian's chromium (`apt-get install -y chromium`), or one named by CHROMIUM_PATH. */
const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
if (!chromiumPath) {
  console.warn('\n*** dashboard browser test SKIPPED: no chromium found (apt-get install -y chromium, or set CHROMIUM_PATH) ***\n');
}

/** The little of the DOM that the functions run in the page use (the project's tsconfig has no DOM types). */
interface PageNode {
  getAttribute(name: string): string | null;
  textContent: string | null;
}
declare const document: {
  getElementById(id: string): PageNode | null;
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): { length: number };
  body: PageNode;
};

/** A promise and its resolve (Node 20 has no Promise.withResolvers). */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

type Dashboard = Plugin & { url: string; close(): Promise<void> };

const points = (page: Page, chart: string) => page.$eval(`#${chart}`, (el) => Number(el.getAttribute('data-points') ?? 0));
const rows = (page: Page) => page.$$eval('#epochs tbody tr', (trs) => trs.length);

describe.skipIf(!chromiumPath)('dashboard in a real browser (chromium)', () => {
  let browser: Browser;
  const dir = mkdtempSync(path.join(tmpdir(), 'tapfit-dashboard-'));
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('charts gain points as batches run, the table fills per epoch, a reload mid-run restores the history', async () => {
    const nEpoch = 4;
    const learn = await Learner.create({
      model: mnistMlp({ seed: 1, hidden: 32 }), dls: mnist({ nTrain: 640, nValid: 128, batchSize: 32, seed: 1 }),
      lossFunc: 'cross-entropy', metrics: ['accuracy', 'errorRate'], backend: 'cpu', quiet: true,
      plugins: [['dashboard', { title: 'mnist-mlp', flushMs: 50 }]],
    });
    const dashboard = learn.plugin<Dashboard>('dashboard')!;
    // TAPFIT_DOCS_IMAGES=docs regenerates the README's pictures from this run (the sweep restores the model).
    const docs = process.env.TAPFIT_DOCS_IMAGES;
    if (docs) await learn.lrFind({ plot: path.join(docs, 'lr-find.png') });
    // The test holds training at the end of epochs 0 and 2 (fit-level events may be async) to look at the page
    // at known points of a run that is still going; between the holds it runs freely.
    const holds = new Map([0, 2].map((e) => [e, deferred()]));
    const reached = new Map([0, 2].map((e) => [e, deferred()]));
    const gate = definePlugin({
      name: 'gate',
      order: 99,
      async afterEpoch(l) {
        if (!holds.has(l.epoch)) return;
        reached.get(l.epoch)!.resolve();
        await holds.get(l.epoch)!.promise;
      },
    });
    const slow = definePlugin({ name: 'slow', afterBatch: () => { const t = performance.now(); while (performance.now() - t < 25) { /* a slower batch */ } } });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const waitPoints = (chart: string, n: number) =>
      page.waitForFunction(([id, k]) => Number(document.getElementById(id as string)?.getAttribute('data-points')) === k, [chart, n] as const);
    try {
      const fitting = learn.fitOneCycle(nEpoch, 1e-2, { plugins: [gate, slow] });
      await page.goto(dashboard.url);
      await reached.get(0)!.promise;
      // Held after epoch 0: 20 training batches drawn, one row in the table, still running.
      await waitPoints('chart-loss', 20);
      await page.waitForFunction(() => document.querySelectorAll('#epochs tbody tr').length === 1);
      expect(await page.textContent('#state')).toBe('running');
      expect(await page.textContent('#position')).toMatch(/^epoch 1\/4 · valid batch 4\/4$/);
      expect(await page.textContent('#timing')).toMatch(/^elapsed \d\d:\d\d · ETA \d\d:\d\d$/);
      expect(await points(page, 'chart-lr')).toBe(20);
      holds.get(0)!.resolve();

      // Running again: the same page (no reload) gains points batch by batch.
      await page.waitForFunction(() => {
        const n = Number(document.getElementById('chart-loss')?.getAttribute('data-points'));
        return n > 20 && n < 60;
      });
      await reached.get(2)!.promise;
      await waitPoints('chart-loss', 60);
      await page.waitForFunction(() => document.querySelectorAll('#epochs tbody tr').length === 3);

      // A reload mid-run (held after epoch 2): the new page gets the whole history at once.
      await page.reload();
      await page.waitForFunction(() => document.body.getAttribute('data-state') === 'running');
      expect(await points(page, 'chart-loss')).toBe(60);
      expect(await points(page, 'chart-epoch-loss')).toBe(3);
      expect(await rows(page)).toBe(3);
      holds.get(2)!.resolve();

      await fitting;
      await page.waitForFunction(() => document.body.getAttribute('data-state') === 'finished');
      const r = learn.recorder!;
      expect(await points(page, 'chart-loss')).toBe(r.losses.length);
      expect(r.losses.length).toBe(nEpoch * 20);
      expect(await rows(page)).toBe(nEpoch);
      expect(await points(page, 'chart-epoch-loss')).toBe(nEpoch);
      expect(await points(page, 'chart-metrics')).toBe(nEpoch);
      expect(await page.$eval('#chart-metrics', (el) => el.getAttribute('data-series'))).toBe('accuracy,error_rate');
      expect(await points(page, 'chart-mom')).toBe(r.losses.length);
      // The table shows the recorder's values with 6 decimals.
      const cells = await page.$$eval('#epochs tbody tr:last-child td', (tds) => tds.map((td) => td.textContent));
      expect(cells.slice(0, 5)).toEqual([String(nEpoch - 1), ...r.values.at(-1)!.map((v) => v!.toFixed(6))]);
      const order = await page.$$eval('#order tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(order).toContainEqual(['afterBatch', expect.stringMatching(/recorder → dashboard/)]);
      // Training lowered the loss on real digits.
      expect(r.values.at(-1)![1]!).toBeLessThan(r.values[0][1]!);

      const shot = path.join(dir, 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(existsSync(shot)).toBe(true);
      if (docs) {
        mkdirSync(docs, { recursive: true });
        await page.screenshot({ path: path.join(docs, 'dashboard.png'), fullPage: true });
        await writeRunPlots(historyOf(r), path.join(docs, 'run.png'));
      }

      // The training process's server goes away: the page keeps what it shows.
      await dashboard.close();
      await page.waitForFunction(() => /disconnected/.test(document.querySelector('#connection')?.textContent ?? ''));
      expect(await points(page, 'chart-loss')).toBe(r.losses.length);
      expect(await rows(page)).toBe(nEpoch);
    } finally {
      await page.close();
      await dashboard.close();
    }
  });
});
