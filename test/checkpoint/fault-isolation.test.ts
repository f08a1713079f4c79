import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { readCheckpoint } from '../../runtime/checkpoint/index.ts';
import { PluginError, type EventName, type Plugin } from '../../plugin-sdk/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-faults-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Files this process has open (Linux), to see that csv-logger closed its file. */
const openFiles = () => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } }) : []);

describe('an error thrown by a plugin', () => {
  for (const event of ['beforeEpoch', 'afterLoss', 'afterStep', 'afterValidate', 'afterEpoch'] as EventName[]) {
    it(`on ${event} (epoch 1) is reported with plugin, event and position; every onError runs; files and checkpoints stay good`, async () => {
      const dir = path.join(work, event);
      const csv = path.join(dir, 'history.csv');
      const thrower: Plugin = {
        name: 'thrower',
        [event](learn: Learner) {
          if (learn.epoch === 1 && (learn.iter === 1 || !['afterLoss', 'afterStep'].includes(event))) throw new Error('boom');
        },
      };
      const seen: unknown[] = [];
      const watcher: Plugin = { name: 'watcher', onError: (_l, e) => void seen.push(e) };
      const learn = await Learner.create({
        model: new TinyLinear(),
        dls: tinyData(3, 1, 2),
        lossFunc: 'mse',
        backend: 'cpu',
        quiet: true,
        plugins: [thrower, watcher, ['csv-logger', { fname: csv }], ['save-model', { dir }]],
      });
      const error = await learn.fit(3).then(() => null, (e: unknown) => e);

      expect(error).toBeInstanceOf(PluginError);
      const e = error as PluginError;
      expect([e.plugin, e.event, e.epoch]).toEqual(['thrower', event, 1]);
      // batch events name the batch; an epoch's or a phase's edges name the epoch only
      const where = ['afterLoss', 'afterStep'].includes(event) ? 'epoch 1, train iter 1' : 'epoch 1';
      expect(e.message).toBe(`plugin "thrower" failed on event "${event}" (${where}): boom`);
      expect((e.cause as Error).message).toBe('boom');
      expect(seen).toEqual([error]);
      // csv-logger's onError closed the file, which holds the header and the one finished epoch.
      expect(openFiles()).not.toContain(path.resolve(csv));
      const lines = readFileSync(csv, 'utf8').trim().split('\n');
      expect(lines[0]).toBe('epoch,train_loss,valid_loss,time');
      expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['0']);
      // The last good checkpoint (end of epoch 0) is intact.
      expect(readCheckpoint(dir).manifest.progress).toMatchObject({ epochsDone: 1 });
    });
  }
});
