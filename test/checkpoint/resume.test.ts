import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../runtime/checkpoint/index.ts';
import { straightRun, type RunResult } from '../fixtures/resume/setup.ts';
import { pidOf, runFixture } from './child.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-resume-'));
let straight: RunResult;

beforeAll(async () => {
  straight = await straightRun(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectIdentical(resumed: RunResult, reference: RunResult): void {
  expect(resumed.weights).toEqual(reference.weights);
  expect(resumed.optimizer).toEqual(reference.optimizer);
  expect(resumed.values).toEqual(reference.values);
  expect(resumed.losses).toEqual(reference.losses);
  expect(resumed.hps).toEqual(reference.hps);
  expect(resumed.iters).toEqual(reference.iters);
  expect(resumed.trainIter).toBe(reference.trainIter);
  const noTime = (csv: string) => csv.replace(/,\d\d:\d\d\n/g, ',T\n');
  expect(noTime(resumed.csv)).toBe(noTime(reference.csv));
}

describe('resume after a kill', () => {
  it('a run SIGKILLed in epoch 2 and resumed ends bit-identical to a run never interrupted', async () => {
    expect(straight.values).toHaveLength(3);
    expect(straight.csv.trim().split('\n')).toHaveLength(4);
    const dir = path.join(work, 'killed');
    const run = runFixture('train', ['kill', dir]);
    const pid = pidOf(await run.waitFor('PAUSED')); // busy in epoch 2's training, after 3 batches
    expect(readCheckpoint(dir).manifest.progress).toMatchObject({ epochsDone: 1, trainBatchesDone: 0, nEpoch: 3 });
    process.kill(pid, 'SIGKILL');
    const killed = await run.exited;
    expect(killed.code).not.toBe(0);
    expect(killed.stdout).not.toContain('DONE');

    const resume = runFixture('train', ['resume', dir, path.join(work, 'killed.json')]);
    const r = await resume.exited;
    expect(r.code, r.stderr).toBe(0);
    const resumed = JSON.parse(readFileSync(path.join(work, 'killed.json'), 'utf8')) as RunResult;
    expectIdentical(resumed, straight);
    expect(resumed.numTensors).toBe(straight.numTensors);
  });
});
