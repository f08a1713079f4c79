import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { definePlugin, type Metric } from '../../plugin-sdk/index.ts';
import { crc32c as writerCrc32c } from '../../plugins/tensorboard/records.ts';
import { TinyLinear, tinyData } from '../helpers/tiny.ts';

/*
 * An independent reader of TensorBoard event files, written from the format's documentation, not from the
 * plugin: TFRecord framing (uint64 LE length, masked CRC32C of it, data, masked CRC32C of the data) and the
 * messages of tensorboard/compat/proto/{event,summary,histogram}.proto by their field numbers.
 */

/** CRC-32C bit by bit (no table), reflected polynomial 0x82F63B78. */
function crc32c(bytes: Uint8Array): number {
  let crc = ~0 >>> 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc >>> 0;
}
const mask = (crc: number) => (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;

/** Every whole record; a record cut short ends the read (as TensorBoard's reader does); a bad CRC throws. */
function readRecords(buf: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let at = 0;
  while (at + 12 <= buf.length) {
    const header = buf.subarray(at, at + 8);
    if (buf.readUInt32LE(at + 8) !== mask(crc32c(header))) throw new Error(`bad length CRC at byte ${at}`);
    const length = Number(buf.readBigUInt64LE(at));
    if (at + 12 + length + 4 > buf.length) break;
    const data = buf.subarray(at + 12, at + 12 + length);
    if (buf.readUInt32LE(at + 12 + length) !== mask(crc32c(data))) throw new Error(`bad data CRC at byte ${at}`);
    records.push(data);
    at += 12 + length + 4;
  }
  return records;
}

const PROTO = `
syntax = "proto3";
package tensorboard;
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what { string file_version = 3; bytes graph_def = 4; Summary summary = 5; }
}
message Summary {
  message Value {
    string node_name = 7;
    string tag = 1;
    oneof value { float simple_value = 2; bytes obsolete_old_style_histogram = 3; HistogramProto histo = 5; }
  }
  repeated Value value = 1;
}
message HistogramProto {
  double min = 1; double max = 2; double num = 3; double sum = 4; double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}`;
const EventType = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('tensorboard.Event');

interface Histo { min: number; max: number; num: number; sum: number; sum_squares: number; bucket_limit: number[]; bucket: number[] }
interface TbEvent {
  wall_time: number;
  step: number;
  file_version?: string;
  summary?: { value: { tag: string; simple_value?: number; histo?: Histo }[] };
}
const decode = (data: Buffer) => EventType.toObject(EventType.decode(data), { longs: Number, defaults: true }) as TbEvent;

function eventFile(runDir: string): string {
  const files = readdirSync(runDir).filter((f) => f.startsWith('events.out.tfevents.'));
  expect(files).toHaveLength(1);
  return path.join(runDir, files[0]);
}

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'tapfit-tb-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const mae: Metric = { name: 'mae', fn: (pred, y) => tf.losses.absoluteDifference(y, pred) as tf.Scalar };

describe('tensorboard plugin', () => {
  it('the CRC32C used agrees with the standard check value and with the writer', () => {
    const check = Buffer.from('123456789');
    expect(crc32c(check)).toBe(0xe3069283);
    expect(writerCrc32c(check)).toBe(0xe3069283);
    const random = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 73 + 11) % 256));
    expect(writerCrc32c(random)).toBe(crc32c(random));
  });

  it('writes a file TensorBoard reads: version, per-batch loss and hypers, per-epoch losses, weight histograms', async () => {
    const dir = tempDir();
    const learn = await Learner.create({
      model: new TinyLinear(), dls: tinyData(5, 2, 2), lossFunc: 'mse', optimizer: 'adam', backend: 'cpu', quiet: true, baseDir: dir,
      metrics: [mae],
    });
    const tensorsAtEpochEnd: number[] = [];
    const probe = definePlugin({ name: 'probe', order: 99, afterEpoch: () => void tensorsAtEpochEnd.push(tf.memory().numTensors) });
    await learn.fitOneCycle(3, 1e-2, { plugins: [['tensorboard', { logDir: 'tb', runName: 'first', histograms: true, bins: 7 }], probe] });
    expect(new Set(tensorsAtEpochEnd).size).toBe(1);
    const runDir = path.join(dir, 'tb', 'first');
    const file = eventFile(runDir);
    expect(path.basename(file)).toMatch(/^events\.out\.tfevents\.\d{10}\.\S+$/);
    const events = readRecords(readFileSync(file)).map(decode);

    expect(events[0].file_version).toBe('brain.Event:2');
    expect(events[0].wall_time).toBeGreaterThan(1.7e9);
    const r = learn.recorder!;
    const batch = events.filter((e) => e.summary?.value.some((v) => v.tag === 'batch/smooth_loss'));
    expect(batch.map((e) => e.step)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    batch.forEach((e, i) => {
      const byTag = Object.fromEntries(e.summary!.value.map((v) => [v.tag, v.simple_value]));
      // simple_value is a float32.
      expect(byTag['batch/smooth_loss']).toBe(Math.fround(r.losses[i]));
      expect(byTag['batch/lr']).toBe(Math.fround(r.hps.lr[i]));
      expect(byTag['batch/mom']).toBe(Math.fround(r.hps.mom[i]));
    });
    // One-cycle moves lr and mom: the logged schedule is not constant.
    expect(new Set(batch.map((e) => e.summary!.value.find((v) => v.tag === 'batch/lr')!.simple_value)).size).toBeGreaterThan(5);

    const epoch = events.filter((e) => e.summary?.value.some((v) => v.tag.startsWith('epoch/')));
    expect(epoch.map((e) => e.step)).toEqual([0, 1, 2]);
    epoch.forEach((e, k) => {
      const byTag = Object.fromEntries(e.summary!.value.map((v) => [v.tag, v.simple_value]));
      expect(Object.keys(byTag)).toEqual(['epoch/train_loss', 'epoch/valid_loss', 'epoch/mae']);
      expect(byTag['epoch/train_loss']).toBe(Math.fround(r.values[k][0]!));
      expect(byTag['epoch/valid_loss']).toBe(Math.fround(r.values[k][1]!));
      expect(byTag['epoch/mae']).toBe(Math.fround(r.values[k][2]!));
    });

    const histos = events.filter((e) => e.summary?.value.some((v) => v.histo));
    expect(histos.map((e) => e.step)).toEqual([0, 1, 2]);
    const last = histos[2].summary!.value;
    const params = learn.model.parameters();
    expect(last.map((v) => v.tag)).toEqual(params.map((p) => `weights/${p.name}`));
    last.forEach((v, i) => {
      const w = Array.from(params[i].dataSync());
      const h = v.histo!;
      expect(h.num).toBe(w.length);
      expect(h.min).toBe(Math.min(...w));
      expect(h.max).toBe(Math.max(...w));
      expect(h.sum).toBeCloseTo(w.reduce((a, b) => a + b, 0), 12);
      expect(h.sum_squares).toBeCloseTo(w.reduce((a, b) => a + b * b, 0), 12);
      expect(h.bucket.reduce((a, b) => a + b, 0)).toBe(w.length);
      expect(h.bucket_limit.at(-1)).toBe(h.max);
      for (let b = 1; b < h.bucket_limit.length; b++) expect(h.bucket_limit[b]).toBeGreaterThan(h.bucket_limit[b - 1]);
      // Each value is counted in the bucket whose range holds it.
      const counts = h.bucket_limit.map((limit, b) => w.filter((x) => x <= limit && (b === 0 || x > h.bucket_limit[b - 1])).length);
      expect(counts).toEqual(h.bucket);
    });
    expect(histos[2].summary!.value[0].histo!.bucket).toHaveLength(7);
  });

  it('a file cut off mid-record by a crash still reads up to the last whole record', async () => {
    const dir = tempDir();
    const learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(4, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true, baseDir: dir });
    await learn.fit(2, 1e-2, { plugins: [['tensorboard', { logDir: 'tb', runName: 'cut' }]] });
    const bytes = readFileSync(eventFile(path.join(dir, 'tb', 'cut')));
    const whole = readRecords(bytes);
    expect(whole.length).toBe(1 + 8 + 2);
    // Record boundaries, then a cut inside every part of the last record (length, its CRC, data, data CRC).
    const ends: number[] = [];
    let at = 0;
    for (const rec of whole) ends.push((at += 12 + rec.length + 4));
    const lastStart = ends.at(-2)!;
    for (const cut of [lastStart + 3, lastStart + 10, lastStart + 14, bytes.length - 2]) {
      const file = path.join(dir, `cut-${cut}`);
      writeFileSync(file, bytes.subarray(0, cut));
      const read = readRecords(readFileSync(file)).map(decode);
      expect(read).toHaveLength(whole.length - 1);
      expect(read.map((e) => e.step)).toEqual(whole.slice(0, -1).map((d) => decode(d).step));
    }
    // The reader checks CRCs: a flipped byte in a record's data is caught.
    const corrupt = Buffer.from(bytes);
    corrupt[ends[0] + 12 + 3] ^= 0x40;
    expect(() => readRecords(corrupt)).toThrow(/bad data CRC/);
  });

  it('one run folder per fit (taken names get -2, -3), default names by date; the file is closed after the fit and after a failure', async () => {
    const dir = tempDir();
    const learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(2, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true, baseDir: dir, plugins: [['tensorboard', { logDir: 'runs', runName: 'exp' }]] });
    const openFds = () => readdirSync('/proc/self/fd').length;
    const before = openFds();
    await learn.fit(1);
    await learn.fit(1);
    expect(readdirSync(path.join(dir, 'runs')).sort()).toEqual(['exp', 'exp-2']);
    expect(openFds()).toBe(before);
    const boom = definePlugin({ name: 'boom', afterEpoch: () => { throw new Error('boom'); } });
    await expect(learn.fit(1, undefined, { plugins: [boom] })).rejects.toThrow(/boom/);
    expect(openFds()).toBe(before);
    const failed = readRecords(readFileSync(eventFile(path.join(dir, 'runs', 'exp-3')))).map(decode);
    expect(failed[0].file_version).toBe('brain.Event:2');
    expect(failed.filter((e) => e.summary)).toHaveLength(2); // the two training batches before the failure

    const dated = await Learner.create({ model: new TinyLinear(), dls: tinyData(1, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true, baseDir: dir });
    await dated.fit(1, undefined, { plugins: [['tensorboard', { logDir: 'dated', batchEvery: 0 }]] });
    const [run] = readdirSync(path.join(dir, 'dated'));
    expect(run).toMatch(/^run-\d{8}-\d{6}$/);
    const events = readRecords(readFileSync(eventFile(path.join(dir, 'dated', run)))).map(decode);
    expect(events.flatMap((e) => e.summary?.value.map((v) => v.tag) ?? [])).toEqual(['epoch/train_loss', 'epoch/valid_loss']);
  });

  it('writes nothing for an lrFind sweep (as fastai), then a run for the next fit', async () => {
    const dir = tempDir();
    const learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(4, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true, baseDir: dir, plugins: [['tensorboard', { runName: 'r' }]] });
    await learn.lrFind({ numIt: 10 });
    expect(readdirSync(dir)).toEqual([]);
    await learn.fit(1);
    expect(readdirSync(path.join(dir, 'runs'))).toEqual(['r']);
  });

  it('rejects unknown or bad options, naming the plugin and the key', async () => {
    const learn = await Learner.create({ model: new TinyLinear(), dls: tinyData(1, 1, 2), lossFunc: 'mse', backend: 'cpu', quiet: true });
    await expect(learn.fit(1, undefined, { plugins: [['tensorboard', { logdir: 'x' }]] })).rejects.toThrow(/plugin "tensorboard": invalid options:.*logdir/);
    await expect(learn.fit(1, undefined, { plugins: [['tensorboard', { runName: 'a/b' }]] })).rejects.toThrow(/tensorboard.*runName: a folder name, without slashes/);
    await expect(learn.fit(1, undefined, { plugins: [['tensorboard', { bins: 0 }]] })).rejects.toThrow(/tensorboard.*bins/);
  });
});
