import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { TapfitError } from '../../plugin-sdk/index.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-tamper-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Header = Record<string, { dtype?: string; shape?: number[]; data_offsets?: number[] } | Record<string, string>>;

/** Rewrites the file's JSON header through `edit` (the length prefix follows), the data untouched. */
function editHeader(file: string, edit: (header: Header) => void): void {
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Header;
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([head, json, bytes.subarray(8 + n)]));
}

/** Edits the manifest (a JSON string in `__metadata__`) in place. */
function editManifest(file: string, edit: (manifest: Record<string, any>) => void): void {
  editHeader(file, (h) => {
    const meta = h.__metadata__ as Record<string, string>;
    const m = JSON.parse(meta.manifest);
    edit(m);
    meta.manifest = JSON.stringify(m);
  });
}

const makeLearner = (nTrain = 2) =>
  Learner.create({ model: new TinyLinear(), dls: tinyData(nTrain, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true, lr: 0.01 });

async function savedCheckpoint(name: string, nTrain = 2): Promise<string> {
  const learn = await makeLearner(nTrain);
  await learn.fit(2);
  return learn.save(path.join(work, name));
}

async function expectTamperRefused(file: string, part: RegExp): Promise<void> {
  const learn = await makeLearner();
  await learn.fit(1);
  const before = learn.model.parameters().map((p) => Array.from(p.dataSync()));
  const opt = JSON.stringify(learn.opt.stateDict());
  const error = await learn.load(file).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(TapfitError);
  expect((error as TapfitError).code).toBe('E_CHECKPOINT');
  expect((error as Error).message).toContain(file);
  expect((error as Error).message).toMatch(part);
  expect(learn.model.parameters().map((p) => Array.from(p.dataSync()))).toEqual(before);
  expect(JSON.stringify(learn.opt.stateDict())).toBe(opt);
}

describe('tamper-evident checkpoints', () => {
  it('an unedited checkpoint that went through the same header rewrite loads (the edit helper itself changes nothing)', async () => {
    const file = await savedCheckpoint('identity');
    editManifest(file, () => {});
    const learn = await makeLearner();
    await learn.load(file);
  });

  it('an edited learning rate in the optimizer state is refused, naming the manifest', async () => {
    const file = await savedCheckpoint('lr');
    editManifest(file, (m) => {
      m.optimizer.hypers[0].lr = 1e6;
    });
    await expectTamperRefused(file, /checksum mismatch in the manifest/);
  });

  it('an edited recorder loss is refused (kept in the manifest for a short run)', async () => {
    const file = await savedCheckpoint('loss');
    editManifest(file, (m) => {
      m.plugins.recorder.values[0][0] = 42;
    });
    await expectTamperRefused(file, /checksum mismatch in the manifest/);
  });

  it('an edited step count in the progress is refused', async () => {
    const file = await savedCheckpoint('step');
    editManifest(file, (m) => {
      m.progress.trainIter = 9999;
    });
    await expectTamperRefused(file, /checksum mismatch in the manifest/);
  });

  it('a dtype edit (F32 read as I32) is refused, naming the tensor index', async () => {
    const file = await savedCheckpoint('dtype');
    editHeader(file, (h) => {
      (h['model.parameters.0'] as { dtype: string }).dtype = 'I32';
    });
    await expectTamperRefused(file, /checksum mismatch in the tensor index/);
  });

  it('an edited weight byte is refused, naming the tensor data', async () => {
    const file = await savedCheckpoint('data');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0x01;
    writeFileSync(file, bytes);
    await expectTamperRefused(file, /checksum mismatch in the tensor data/);
  });

  it('a checkpoint of format version 1 is refused with a clear message', async () => {
    const file = await savedCheckpoint('v1');
    editHeader(file, (h) => {
      (h.__metadata__ as Record<string, string>).format_version = '1';
    });
    await expectTamperRefused(file, /format version 1 by an older tapfit.*reads version 2 only/);
  });

  it('a header length beyond the bound is refused before anything is allocated', async () => {
    const file = path.join(work, 'huge-header.tapfit');
    const head = Buffer.alloc(16);
    head.writeBigUInt64LE(1n << 40n);
    writeFileSync(file, head);
    await expectTamperRefused(file, /header claims 1099511627776 bytes, more than the/);
  });

  it('the header stays small however many batches ran: long series go to the data section', async () => {
    const short = await savedCheckpoint('short', 50);
    const long = await savedCheckpoint('long', 1200);
    const headerBytes = (file: string) => Number(readFileSync(file).readBigUInt64LE(0));
    // 100 vs 2,400 recorded batches: the same header give or take the digits of a few numbers
    // (tapfit 0.x wrote 205 KB of header after 2,240 batches).
    expect(Math.abs(headerBytes(long) - headerBytes(short))).toBeLessThan(256);
    expect(headerBytes(long)).toBeLessThan(8 * 1024);
    // and the long series come back exactly
    const a = await makeLearner(50);
    await a.fit(2);
    const file = await a.save(path.join(work, 'long-roundtrip'));
    const b = await makeLearner(50);
    await b.load(file);
    expect(b.recorder!.losses).toEqual(a.recorder!.losses);
    expect(b.recorder!.losses).toHaveLength(100);
    expect(b.plugin('recorder')!.stateDict!()).toEqual(a.plugin('recorder')!.stateDict!());
  });
});
