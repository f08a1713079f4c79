import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { CancelFitError, definePlugin, type Plugin } from '../../plugin-sdk/index.ts';
import type { Delta, Snapshot } from '../../plugins/dashboard/feed.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

type Dashboard = Plugin & { url: string; close(): Promise<void> };

/** A raw GET (fetch normalises paths like `/../x`; this does not), with an optional Host header. */
function get(url: string, path: string, { method = 'GET', host }: { method?: string; host?: string } = {}): Promise<{ status: number; body: string; type: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An EventSource stand-in: collects `snapshot`/`delta` events as they arrive. */
function listen(url: string) {
  const events: { event: string; data: unknown }[] = [];
  const controller = new AbortController();
  const done = (async () => {
    const res = await fetch(`${url}events`, { signal: controller.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = block.match(/^event: (.*)$/m)?.[1];
          const data = block.match(/^data: (.*)$/m)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  })();
  return { events, close: () => (controller.abort(), done) };
}

/** What a page holds after applying a snapshot then every delta (as the page's script does). */
function replay(events: { event: string; data: unknown }[]): Snapshot {
  let state: Snapshot | null = null;
  for (const { event, data } of events) {
    if (event === 'snapshot') state = structuredClone(data as Snapshot);
    else if (state && (data as Delta).run === state.run) {
      const d = data as Delta;
      state.status = d.status;
      state.losses = [...state.losses.slice(0, d.from), ...d.losses];
      for (const [k, v] of Object.entries(d.hps)) state.hps[k] = [...(state.hps[k] ?? []).slice(0, d.from), ...v];
      state.rows = [...state.rows.slice(0, d.rowsFrom), ...d.rows];
      state.iters = d.iters;
    }
  }
  return state!;
}

const busy = (ms: number) => definePlugin({ name: 'busy', afterBatch: () => { const t = performance.now(); while (performance.now() - t < ms) { /* a slower batch */ } } });

const open: Dashboard[] = [];
afterAll(async () => {
  for (const d of open) await d.close();
});

async function learner(nTrain = 6, extra: object = {}) {
  const logged: string[] = [];
  const learn = await Learner.create({
    model: new TinyLinear(), dls: tinyData(nTrain, 2, 2), lossFunc: 'mse', optimizer: 'adam', backend: 'cpu',
    plugins: [['dashboard', { flushMs: 20, ...extra }]], logger: (m) => void logged.push(m),
  });
  const dashboard = learn.plugin<Dashboard>('dashboard')!;
  open.push(dashboard);
  return { learn, dashboard, logged };
}

describe('dashboard plugin (server and event stream)', () => {
  it('serves its page on 127.0.0.1 at a free port, printed; only its own routes; no other host, no other method', async () => {
    const { learn, dashboard, logged } = await learner(2);
    await learn.fit(1, 1e-2);
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(Number(new URL(dashboard.url).port)).toBeGreaterThan(0);
    expect(logged).toContain(`dashboard: ${dashboard.url}`);
    const page = await get(dashboard.url, '/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toContain('<script src="/uplot.js"></script>');
    const uplotFile = createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js');
    expect((await get(dashboard.url, '/uplot.js')).body).toBe(readFileSync(uplotFile, 'utf8'));
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/etc/passwd', '/dashboard.js/../../package.json', '/plugins/dashboard/index.ts', '//package.json']) {
      expect((await get(dashboard.url, p)).status, p).toBe(404);
    }
    expect((await get(dashboard.url, '/', { method: 'POST' })).status).toBe(405);
    expect((await get(dashboard.url, '/', { host: 'attacker.example:80' })).status).toBe(403);
    expect((await get(dashboard.url, '/', { host: `localhost:${new URL(dashboard.url).port}` })).status).toBe(200);
  });

  it('streams a snapshot then deltas: a page that joins mid-run ends with exactly the recorder\'s series, the table and the plugin order', async () => {
    const { learn, dashboard } = await learner(8);
    let early: ReturnType<typeof listen> | null = null;
    let late: ReturnType<typeof listen> | null = null;
    let explained: { event: string; taps: string[] }[] = [];
    const join = definePlugin({
      name: 'join',
      afterBatch: (l) => {
        if (l.trainIter === 1) explained = learn.explain().filter((e) => e.taps.length);
        // One page opens at the first batch, another half-way through the second epoch.
        if (l.training && l.trainIter === 1) early = listen(dashboard.url);
        if (l.training && l.trainIter === 12) late = listen(dashboard.url);
      },
      // The batch loop only yields now and then: on a busy machine the late page may not be served before the fit
      // ends, so the second epoch waits for its first message (fit-level events may be async).
      async afterEpoch(l) {
        const page = late as { events: unknown[] } | null;
        while (l.epoch === 1 && page && page.events.length === 0) await new Promise((r) => setTimeout(r, 5));
      },
    });
    await learn.fitOneCycle(3, 1e-2, { plugins: [join, busy(25)] });
    await new Promise((r) => setTimeout(r, 100));
    const r = learn.recorder!;
    for (const page of [early!, late!]) {
      await page.close();
      const state = replay(page.events);
      expect(page.events.filter((e) => e.event === 'delta').length).toBeGreaterThan(1);
      expect(state.status.state).toBe('finished');
      expect(state.losses).toEqual(r.losses);
      expect(state.hps.lr).toEqual(r.hps.lr);
      expect(state.hps.mom).toEqual(r.hps.mom);
      expect(state.iters).toEqual([8, 16, 24]);
      expect(state.metricNames).toEqual(['epoch', 'train_loss', 'valid_loss', 'time']);
      expect(state.rows.map((row) => row.slice(0, 3))).toEqual(r.values.map((v, e) => [e, ...v]));
      expect(state.rows.every((row) => /^\d\d:\d\d$/.test(String(row[3])))).toBe(true);
    }
    // The late page's first message already held the batches before it joined.
    const firstLate = late!.events[0].data as Snapshot;
    expect(firstLate.status.state).toBe('running');
    expect(firstLate.losses.length).toBeGreaterThanOrEqual(12);
    expect(firstLate.losses.length).toBeLessThan(24);
    expect(firstLate.losses).toEqual(r.losses.slice(0, firstLate.losses.length));
    expect(firstLate.rows).toHaveLength(firstLate.iters.length);
    expect(firstLate.rows.length).toBeLessThan(3);
    // The plugin order is learn.explain() during the fit, without the events no plugin taps.
    const afterBatch = explained.find((e) => e.event === 'afterBatch')!.taps;
    expect(afterBatch.indexOf('dashboard')).toBeGreaterThan(afterBatch.indexOf('recorder'));
    expect(afterBatch).toEqual(expect.arrayContaining(['join', 'busy']));
    const snap = (await (await fetch(`${dashboard.url}state.json`)).json()) as Snapshot;
    expect(snap.order.filter((e) => e.event !== 'onError')).toEqual(explained);
  });

  it('reports progress with an ETA while running, and a cancelled or failed run with its message', async () => {
    const { learn, dashboard } = await learner(6);
    const page = listen(dashboard.url);
    await new Promise((r) => setTimeout(r, 50));
    await learn.fit(2, 1e-2, { plugins: [busy(25)] });
    await new Promise((r) => setTimeout(r, 100));
    await page.close();
    const states = page.events.filter((e) => e.event === 'delta').map((e) => (e.data as Delta).status);
    const running = states.filter((s) => s.state === 'running' && s.eta !== null);
    expect(running.length).toBeGreaterThan(0);
    for (const s of running) {
      expect(s.nEpoch).toBe(2);
      expect(s.eta!).toBeGreaterThanOrEqual(0);
      // 16 batches of ≥ 25 ms: the estimate is of the right order (at most a few seconds).
      expect(s.eta!).toBeLessThan(20);
    }
    expect(states.at(-1)).toMatchObject({ state: 'finished', eta: 0, message: null });

    const stop = definePlugin({
      name: 'stop',
      order: 99,
      afterEpoch: (l) => {
        l.recorder!.addNote('stopped: the test had seen enough');
        throw new CancelFitError();
      },
    });
    await learn.fit(3, 1e-2, { plugins: [stop] });
    let snap = (await (await fetch(`${dashboard.url}state.json`)).json()) as Snapshot;
    expect(snap.status).toMatchObject({ state: 'cancelled', message: 'stopped: the test had seen enough' });
    expect(snap.rows).toHaveLength(1);

    const boom = definePlugin({ name: 'boom', afterBatch: (l) => { if (l.trainIter === 3) throw new Error('exploding gradients'); } });
    await expect(learn.fit(1, 1e-2, { plugins: [boom] })).rejects.toThrow(/exploding gradients/);
    snap = (await (await fetch(`${dashboard.url}state.json`)).json()) as Snapshot;
    expect(snap.status.state).toBe('failed');
    expect(snap.status.message).toMatch(/exploding gradients/);
    expect(snap.run).toBe(3);
  });

  it('binds elsewhere only when asked by host (then any Host header is served)', async () => {
    const { learn, dashboard } = await learner(1, { host: '0.0.0.0' });
    await learn.fit(1);
    expect(dashboard.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
    const port = new URL(dashboard.url).port;
    expect((await get(`http://127.0.0.1:${port}/`, '/', { host: `trainer.lan:${port}` })).status).toBe(200);
  });

  it('an lrFind sweep is not shown as a run: the page keeps the last fit', async () => {
    const { learn, dashboard } = await learner(4);
    await learn.fit(1, 1e-2);
    const before = (await (await fetch(`${dashboard.url}state.json`)).json()) as Snapshot;
    await learn.lrFind({ numIt: 12 });
    const after = (await (await fetch(`${dashboard.url}state.json`)).json()) as Snapshot;
    expect(after).toEqual({ ...before, status: { ...before.status } });
    expect(after.run).toBe(1);
    expect(after.losses).toHaveLength(4);
  });

  it('close() stops the server; options are strict; a port in use is a clear error', async () => {
    const { learn, dashboard } = await learner(1);
    await learn.fit(1);
    const { url } = dashboard;
    await dashboard.close();
    await expect(fetch(url)).rejects.toThrow();
    expect(dashboard.url).toBe('');
    const other = await learner(1);
    await other.learn.fit(1);
    const taken = Number(new URL(other.dashboard.url).port);
    const clash = await Learner.create({ model: new TinyLinear(), dls: tinyData(1, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true });
    await expect(clash.fit(1, undefined, { plugins: [['dashboard', { port: taken }]] })).rejects.toThrow(new RegExp(`plugin "dashboard": cannot listen on 127\\.0\\.0\\.1:${taken} \\(EADDRINUSE\\)`));
    await expect(clash.fit(1, undefined, { plugins: [['dashboard', { prot: 1 }]] })).rejects.toThrow(/plugin "dashboard": invalid options: .*prot/);
    await expect(clash.fit(1, undefined, { plugins: [['dashboard', { port: 70000 }]] })).rejects.toThrow(/plugin "dashboard": invalid options: port/);
  });
});
