import { z } from 'zod';
import { definePlugin, definePluginFactory, TapfitError, type LearnerView } from '../../plugin-sdk/index.ts';
import { pluginOrder, RunFeed } from './feed.ts';
import { DashboardServer } from './server.ts';

const options = z.strictObject({
  /** TCP port; 0 (the default) takes a free one. */
  port: z.number().int().min(0).max(65535).default(0),
  /** Interface to bind. Only loopback by default: binding elsewhere shows the run to the network, so it is asked for by name. */
  host: z.string().min(1).default('127.0.0.1'),
  /** The page's heading; default `tapfit`. */
  title: z.string().min(1).default('tapfit'),
  /** Send new batches to the page at most this often (milliseconds); epochs and the end are sent at once. */
  flushMs: z.number().int().min(10).max(60_000).default(250),
});

export type DashboardOptions = z.input<typeof options>;

/**
 * A live dashboard in the browser (fastai's `ShowGraphCallback`, grown up): smoothed training loss per batch,
 * losses and metrics per epoch, the lr and momentum schedules, the epoch table, the plugin order and the
 * run's state with an ETA. A local HTTP server (127.0.0.1, a free port) pushes updates by server-sent events;
 * a page opened or reloaded mid-run gets the whole history. The server outlives the fit (the page stays
 * readable, later fits of the same learner show there too) but never keeps the process alive; `close()`
 * stops it at once.
 *
 * ```ts
 * await learn.fit(5, 1e-2, { plugins: ['dashboard'] });          // prints "dashboard: http://127.0.0.1:PORT/"
 * await learn.fit(5, 1e-2, { plugins: [['dashboard', { port: 8765 }]] });
 * ```
 */
export default definePluginFactory({
  name: 'dashboard',
  options,
  description: 'live training dashboard in the browser (loss, metrics, schedules, epoch table), by server-sent events',
  create: (o) => {
    let server: DashboardServer | null = null;
    let feed: RunFeed | null = null;
    let runs = 0;
    let lastFlush = 0;
    let notesAtStart = 0;
    const flush = () => {
      if (!feed || !server) return;
      lastFlush = performance.now();
      server.broadcast('delta', feed.delta());
    };
    return definePlugin({
      name: 'dashboard',
      roles: ['dashboard'],
      order: 60,
      runAfter: ['recorder'],
      /** The page's address once the server listens (`''` before the first fit). */
      url: '',
      /** Given to `Learner.create`, the page is up (waiting) before the first fit. */
      async afterCreate(learn: LearnerView) {
        await this.start(learn);
      },
      async beforeFit(learn: LearnerView) {
        if (!learn.recorder) throw new TapfitError('E_CONFIG', 'plugin "dashboard" draws the recorder\'s values, but the "recorder" plugin is not loaded');
        await this.start(learn);
        // As fastai's ShowGraphCallback: an lr-finder sweep is not shown as a run (the page keeps the last one).
        if (learn.sweeping) return;
        runs += 1;
        notesAtStart = learn.recorder.notes.length;
        feed = new RunFeed(runs, o.title, learn, pluginOrder(learn));
        server!.setSource(feed);
        lastFlush = performance.now();
      },
      afterBatch(learn: LearnerView) {
        feed?.onBatch();
        if (learn.training && performance.now() - lastFlush >= o.flushMs) flush();
      },
      afterEpoch() {
        feed?.onEpoch();
        flush();
      },
      afterCancelFit(learn: LearnerView) {
        const notes = learn.recorder?.notes.slice(notesAtStart) ?? [];
        feed?.finish('cancelled', notes.at(-1) ?? 'training was cancelled');
      },
      afterFit() {
        if (feed && feed.status.state === 'running') feed.finish('finished', null);
        flush();
        feed = null;
      },
      onError(_learn: LearnerView, error: unknown) {
        feed?.finish('failed', error instanceof Error ? error.message : String(error));
        flush();
        feed = null;
      },
      async start(learn: LearnerView): Promise<void> {
        if (server?.listening) return;
        server = new DashboardServer(o.host);
        this.url = await server.listen(o.port);
        const line = `dashboard: ${this.url}`;
        // The address is the one thing a quiet run must still say.
        if (learn.quiet) process.stderr.write(`${line}\n`);
        else learn.log(line);
      },
      /** Stop the server now (open pages keep what they show). */
      async close(): Promise<void> {
        await server?.close();
        server = null;
        this.url = '';
      },
    });
  },
});
