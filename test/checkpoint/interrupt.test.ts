import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, resumeCommand } from '../../runtime/checkpoint/index.ts';
import { makeLearner, straightRun, type RunResult } from '../fixtures/resume/setup.ts';
import { pidOf, runFixture } from './child.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-sigint-'));
let straight: RunResult;

beforeAll(async () => {
  straight = await straightRun(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('SIGINT during a fit', () => {
  it('stops after the current batch, writes a checkpoint, exits 130 saying how to resume; the resumed run matches', async () => {
    const dir = path.join(work, 'interrupted');
    const run = runFixture('train', ['interrupt', dir]);
    process.kill(pidOf(await run.waitFor('READY')), 'SIGINT');
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT received: finishing the current batch');
    expect(r.stderr).toContain(`checkpoint written to ${path.join(dir, 'last.tapfit')}`);
    expect(r.stderr).toContain(`to continue, run: npx tsx test/fixtures/resume/train.ts resume ${dir}`);
    // Loadable, and it stopped in epoch 2 before its first training batch: no batch was running when the signal
    // came (the run was waiting in beforeTrain), so none is started.
    const ckpt = readCheckpoint(dir);
    expect(ckpt.manifest.progress).toMatchObject({ epochsDone: 1, trainBatchesDone: 0, trainDone: false });
    expect(ckpt.manifest.progress.trainIter).toBe(straight.trainIter / 3);
    const fresh = await makeLearner(path.join(work, 'scratch'));
    await fresh.load(dir);
    expect(fresh.trainIter).toBe(straight.trainIter / 3);

    const resume = runFixture('train', ['resume', dir, path.join(work, 'interrupted.json')]);
    const done = await resume.exited;
    expect(done.code, done.stderr).toBe(0);
    // Finishing the interrupted epoch replays its batch order: exact.
    const resumed = JSON.parse(readFileSync(path.join(work, 'interrupted.json'), 'utf8')) as RunResult;
    expect(resumed.weights).toEqual(straight.weights);
    expect(resumed.values).toEqual(straight.values);
    expect(resumed.losses).toEqual(straight.losses);
    expect(resumed.hps).toEqual(straight.hps);
  });

  it('a signal arriving in the middle of the batch loop stops right after that batch, and the resumed run matches', async () => {
    const dir = path.join(work, 'busy');
    const run = runFixture('train', ['interrupt-busy', dir]);
    process.kill(pidOf(await run.waitFor('READY')), 'SIGINT');
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(130);
    // The signal came during epoch 2's second training batch (iter 1): that batch finished, no other started.
    expect(readCheckpoint(dir).manifest.progress).toMatchObject({ epochsDone: 1, trainBatchesDone: 2, trainDone: false });
    const resume = runFixture('train', ['resume', dir, path.join(work, 'busy.json')]);
    const done = await resume.exited;
    expect(done.code, done.stderr).toBe(0);
    const resumed = JSON.parse(readFileSync(path.join(work, 'busy.json'), 'utf8')) as RunResult;
    expect(resumed.weights).toEqual(straight.weights);
    expect(resumed.losses).toEqual(straight.losses);
  });

  it('a second SIGINT exits at once, without finishing the batch or writing a checkpoint', async () => {
    const dir = path.join(work, 'twice');
    const run = runFixture('train', ['interrupt-hold', dir]); // holds 20 s at the start of epoch 2
    const pid = pidOf(await run.waitFor('READY'));
    const before = readFileSync(path.join(dir, 'last.tapfit'));
    process.kill(pid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    const sent = Date.now();
    process.kill(pid, 'SIGINT');
    const r = await run.exited;
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(r.code === 130 || r.signal === 'SIGINT').toBe(true);
    expect(r.stderr).toContain('SIGINT received');
    expect(r.stderr).not.toContain('checkpoint written');
    // The last good checkpoint (end of epoch 1) is untouched.
    expect(readFileSync(path.join(dir, 'last.tapfit')).equals(before)).toBe(true);
  });

  it('builds the resume command line from argv', () => {
    expect(resumeCommand(['node', 'tapfit', 'fit', '--epochs', '3', '--resume', 'old'], 'ckpt')).toBe('tapfit fit --epochs 3 --resume ckpt');
    expect(resumeCommand(['node', 'tapfit', 'fit', '--resume=old', '-c', 'my conf.json'], 'a b')).toBe("tapfit fit -c 'my conf.json' --resume 'a b'");
  });
});
