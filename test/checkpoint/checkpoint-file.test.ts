import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Learner } from '../../runtime/learner/learner.ts';
import { CHECKPOINT_VERSION, readCheckpoint, writeFileAtomic } from '../../runtime/checkpoint/index.ts';
import { decodeState, encodeCheckpoint, decodeCheckpoint, StateEncoder } from '../../runtime/checkpoint/format.ts';
import { TapfitError, type Module, type Plugin, type Pred } from '../../plugin-sdk/index.ts';
import { tinyData } from '../helpers/tiny.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tapfit-ckpt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** x·W + b with a configurable width, so a checkpoint can be loaded into a model of another shape. */
class Dense implements Module {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  readonly steps = tf.variable(tf.scalar(0, 'int32'), false);
  constructor(out = 1, seed = 1) {
    this.w = tf.variable(tf.randomNormal([2, out], 0, 1, 'float32', seed));
    this.b = tf.variable(tf.zeros([out]));
  }
  forward([x]: tf.Tensor[]): Pred {
    return tf.add(tf.matMul(x as tf.Tensor2D, this.w), this.b);
  }
  parameters(): tf.Variable[] {
    return [this.w, this.b];
  }
  buffers(): tf.Variable[] {
    return [this.steps];
  }
}

/** A plugin whose state covers every kind of value a stateDict may hold. */
function statefulPlugin(name = 'stateful'): Plugin & { state: unknown } {
  return {
    name,
    state: {
      counts: [1, 2, 3],
      best: Infinity,
      worst: -Infinity,
      missing: Number.NaN,
      negZero: -0,
      nested: { $weird: 'key', ok: true, none: null },
      weights: { shape: [2, 2], values: new Float32Array([1.5, -2.25, 3, 1e-30]) },
      ids: new Int32Array([7, -8]),
      doubles: [0.1, 1 / 3],
    },
    stateDict() {
      return this.state;
    },
    loadStateDict(s: unknown) {
      this.state = s;
    },
  };
}

async function makeLearner(options: { out?: number; plugins?: Plugin[] } = {}): Promise<Learner> {
  return Learner.create({
    model: new Dense(options.out ?? 1),
    dls: tinyData(2, 1, 2),
    lossFunc: 'mse',
    backend: 'cpu',
    quiet: true,
    lr: 0.01,
    plugins: options.plugins ?? [],
  });
}

const snapshot = (learn: Learner) => ({
  weights: [...learn.model.parameters(), ...(learn.model.buffers?.() ?? [])].map((v) => Array.from(v.dataSync())),
  opt: JSON.stringify(learn.opt.stateDict()),
  recorder: JSON.stringify(learn.recorder?.values),
  counters: [learn.epoch, learn.trainIter, learn.pctTrain],
});

async function trained(plugins: Plugin[] = []): Promise<Learner> {
  const learn = await makeLearner({ plugins });
  await learn.fit(2);
  return learn;
}

async function expectRefused(learn: Learner, file: string, message: RegExp, options?: { withOpt?: boolean }) {
  const before = snapshot(learn);
  const error = await learn.load(file, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TapfitError);
  expect((error as TapfitError).code).toBe('E_CHECKPOINT');
  expect((error as Error).message).toMatch(message);
  expect(snapshot(learn)).toEqual(before);
}

describe('save / load round trip', () => {
  it('restores weights, buffers, optimizer state, plugin states (special numbers, typed arrays) and counters exactly', async () => {
    const a = await trained([statefulPlugin()]);
    const file = await a.save(path.join(work, 'roundtrip'));
    expect(file).toBe(path.join(work, 'roundtrip.tapfit'));
    const b = await makeLearner({ plugins: [statefulPlugin()] });
    (b.plugin('stateful') as Plugin & { state: unknown }).state = null;
    await b.load(file);
    expect(snapshot(b)).toEqual(snapshot(a));
    const state = (b.plugin('stateful') as Plugin & { state: Record<string, unknown> }).state;
    expect(state).toEqual(statefulPlugin().state);
    expect(Object.is(state.negZero, -0)).toBe(true);
    expect(state.weights).toEqual({ shape: [2, 2], values: new Float32Array([1.5, -2.25, 3, 1e-30]) });
    expect(b.opt.stateDict()).toEqual(a.opt.stateDict());
  });

  it('is a plain safetensors file: 8-byte header length, JSON header, little-endian float32 weights', async () => {
    const a = await trained();
    const file = await a.save(path.join(work, 'plain.tapfit'));
    const bytes = readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect(header.__metadata__).toMatchObject({ format: 'tapfit-checkpoint', format_version: String(CHECKPOINT_VERSION) });
    const w = header['model.parameters.0'];
    expect(w).toMatchObject({ dtype: 'F32', shape: [2, 1] });
    const data = bytes.subarray(8 + n + w.data_offsets[0], 8 + n + w.data_offsets[1]);
    expect([data.readFloatLE(0), data.readFloatLE(4)]).toEqual(Array.from(a.model.parameters()[0].dataSync()));
    expect(JSON.parse(header.__metadata__.manifest).progress).toMatchObject({ nEpoch: 2, epochsDone: 2 });
  });

  it('weightsOnly restores the model and nothing else', async () => {
    const a = await trained();
    const file = await a.save(path.join(work, 'weights-only'));
    const b = await makeLearner();
    const opt = JSON.stringify(b.opt.stateDict());
    await b.load(file, { weightsOnly: true });
    expect(snapshot(b).weights).toEqual(snapshot(a).weights);
    expect(JSON.stringify(b.opt.stateDict())).toBe(opt);
    expect(b.recorder?.values).toEqual([]);
  });

  it('the encoder refuses state that is not plain data, naming where it is', () => {
    const t = tf.scalar(1);
    expect(() => new StateEncoder().encode({ best: t }, 'plugin')).toThrow(/plugin\.best: a Tensor is not plain data/);
    expect(() => new StateEncoder().encode({ m: new Map() }, 'plugin')).toThrow(/plugin\.m: a Map/);
    t.dispose();
  });

  it('numbers that are not float32-exact stay JSON, losslessly', () => {
    const tensors = new Map();
    const enc = new StateEncoder(tensors).encode({ a: { shape: [2], values: [0.1, 0.5] }, b: { shape: [2], values: [0.5, 0.25] } }, 's');
    expect(tensors.size).toBe(1); // only b goes to the binary part
    const bytes = encodeCheckpoint(enc as object, tensors);
    const back = decodeCheckpoint<unknown>(bytes, 'mem');
    expect(decodeState(back.manifest, back.tensors, 'mem')).toEqual({ a: { shape: [2], values: [0.1, 0.5] }, b: { shape: [2], values: [0.5, 0.25] } });
  });
});

describe('bad checkpoints are refused and leave the learner unchanged', () => {
  it('a truncated file (cut in the data, cut in the header, empty)', async () => {
    const a = await trained();
    const file = await a.save(path.join(work, 'good'));
    const size = readFileSync(file).length;
    const learn = await trained();
    for (const [name, keep] of [['cut-data', size - 10], ['cut-header', 40], ['empty', 0]] as const) {
      const bad = path.join(work, `${name}.tapfit`);
      writeFileSync(bad, readFileSync(file).subarray(0, keep));
      await expectRefused(learn, bad, /truncated/);
    }
  });

  it('a corrupted byte (checksum)', async () => {
    const file = await (await trained()).save(path.join(work, 'flip'));
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(file, bytes);
    await expectRefused(await trained(), file, /checksum mismatch/);
  });

  it('a model of another shape', async () => {
    const a = await trained();
    const file = await a.save(path.join(work, 'shape'));
    const wide = await makeLearner({ out: 3 });
    await expectRefused(wide, file, /model parameter 0 \(".*"\) has shape \[2, 3\] but the checkpoint's .* has \[2, 1\]/);
  });

  it('missing optimizer state (unless loading without it)', async () => {
    const a = await trained();
    const file = await a.save(path.join(work, 'no-opt'), { withOpt: false });
    const learn = await trained();
    await expectRefused(learn, file, /holds no optimizer state/);
    await learn.load(file, { withOpt: false });
    expect(snapshot(learn).weights).toEqual(snapshot(a).weights);
  });

  it('optimizer state for other parameter groups', async () => {
    const a = await trained();
    const file = await a.save(path.join(work, 'groups'));
    const ckpt = readCheckpoint(file);
    expect(ckpt.manifest.optimizer).toBeDefined();
    const learn = await Learner.create({
      model: new Dense(1),
      dls: tinyData(2, 1, 2),
      lossFunc: 'mse',
      backend: 'cpu',
      quiet: true,
      splitter: (m) => [[m.parameters()[0]], [m.parameters()[1]]],
    });
    await learn.fit(1);
    await expectRefused(learn, file, /optimizer state has 1 parameter groups, the optimizer has 2/);
  });

  it('a manifest from a newer format version', async () => {
    const file = await (await trained()).save(path.join(work, 'newer'));
    const bytes = readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = bytes.subarray(8, 8 + n).toString('utf8').replace(`"format_version":"${CHECKPOINT_VERSION}"`, `"format_version":"${CHECKPOINT_VERSION + 1}"`);
    writeFileSync(file, Buffer.concat([bytes.subarray(0, 8), Buffer.from(header), bytes.subarray(8 + n)]));
    await expectRefused(await trained(), file, new RegExp(`format version ${CHECKPOINT_VERSION + 1} by a newer tapfit; this tapfit reads versions up to ${CHECKPOINT_VERSION}`));
  });

  it('not a checkpoint at all, and a missing file', async () => {
    const file = path.join(work, 'junk.tapfit');
    writeFileSync(file, 'x'.repeat(100));
    await expectRefused(await trained(), file, /not a checkpoint/);
    await expectRefused(await trained(), path.join(work, 'nothing-here.tapfit'), /no checkpoint there/);
  });

  it('a plugin refusing its state mid-way: what was already restored is put back', async () => {
    const a = await trained([statefulPlugin()]);
    const file = await a.save(path.join(work, 'refused'));
    const picky: Plugin = {
      name: 'stateful',
      stateDict: () => ({}),
      loadStateDict() {
        throw new Error('I do not like this state');
      },
    };
    const learn = await trained([picky]);
    const rec = JSON.stringify(learn.plugin('recorder')!.stateDict!());
    await expectRefused(learn, file, /restoring the state of plugin "stateful" failed \(I do not like this state\); the learner is unchanged/);
    expect(JSON.stringify(learn.plugin('recorder')!.stateDict!())).toBe(rec);
  });

  it('fit with resume from a bad checkpoint fails before training, model unchanged', async () => {
    const a = await trained();
    const file = await a.save(path.join(work, 'resume-bad'), { withOpt: false });
    const learn = await trained();
    const before = snapshot(learn);
    await expect(learn.fit(2, undefined, { resume: file })).rejects.toThrow(/holds no optimizer state/);
    expect(snapshot(learn)).toEqual(before);
    await expect(learn.fit(2, undefined, { resume: path.join(work, 'empty-dir-that-is-not-there') })).rejects.toThrow(/no checkpoint there/);
  });
});

describe('atomic writes', () => {
  it('a failed save leaves the previous checkpoint intact and no temporary file', async () => {
    let fail = false;
    const flaky: Plugin = {
      name: 'flaky',
      stateDict() {
        if (fail) throw new Error('disk says no');
        return { ok: 1 };
      },
    };
    const learn = await trained([flaky]);
    const dir = path.join(work, 'atomic');
    const file = await learn.save(path.join(dir, 'last'));
    const before = readFileSync(file);
    await learn.fit(1);
    fail = true;
    await expect(learn.save(file)).rejects.toThrow(/plugin "flaky" stateDict\(\) failed: disk says no/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['last.tapfit']);
  });

  it('a write removes the temporary files that killed writers left behind, not those of live processes', () => {
    const dir = path.join(work, 'stray');
    const file = path.join(dir, 'last.tapfit');
    writeFileAtomic(file, new Uint8Array([1]));
    // pid 2^22 + 1 is above Linux's largest pid (4194304): no such process
    const dead = `.last.tapfit.${2 ** 22 + 1}.1700000000000.tmp`;
    const live = `.last.tapfit.${process.ppid}.1700000000000.tmp`;
    const other = `.best.tapfit.${2 ** 22 + 1}.1700000000000.tmp`;
    for (const f of [dead, live, other]) writeFileSync(path.join(dir, f), 'x'.repeat(100));
    writeFileAtomic(file, new Uint8Array([2]));
    expect(readdirSync(dir).sort()).toEqual([other, live, 'last.tapfit'].sort());
  });

  it('writeFileAtomic replaces the content whole and creates folders', () => {
    const file = path.join(work, 'deep', 'er', 'f.bin');
    writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    writeFileAtomic(file, new Uint8Array([4]));
    expect([...readFileSync(file)]).toEqual([4]);
    expect(readdirSync(path.dirname(file))).toEqual(['f.bin']);
    truncateSync(file, 0);
    expect(existsSync(file)).toBe(true);
  });
});
