import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mnistArrays } from '../../runtime/data/mnist.ts';
import { loadConfig } from '../../runtime/config/discover.ts';
import { learnerFromConfig } from '../../runtime/config/build.ts';
import { cliFolders, runCli } from '../helpers/cli.ts';

const { tempDir, withConfig } = cliFolders('tapfit-cli-inf-');



const run = runCli;

const CONFIG = {
  model: 'mnist-mlp',
  data: ['mnist', { nTrain: 256, nValid: 64, batchSize: 32 }],
  metrics: ['accuracy'],
  backend: 'cpu',
  plugins: [['save-model', { dir: 'ckpt' }]],
  fit: { method: 'fit', epochs: 1, lr: 0.01 },
};

describe('tapfit validate and tapfit predict', () => {
  it('validate: after fit, the checkpoint gives the run\'s last valid_loss and accuracy; --json; exit 0', async () => {
    const dir = withConfig(CONFIG);
    expect((await run(['fit', '--quiet'], dir)).code).toBe(0);
    const history = JSON.parse(readFileSync(path.join(dir, 'out', 'history.json'), 'utf8')) as { values: number[][] };
    const [, validLoss, accuracy] = history.values.at(-1)!;
    const r = await run(['validate', '--checkpoint', 'ckpt/last.tapfit', '--json'], dir);
    expect(r.code, r.err).toBe(0);
    const got = JSON.parse(r.out) as { valid_loss: number; accuracy: number };
    expect(got.valid_loss).toBeCloseTo(validLoss, 5);
    expect(got.accuracy).toBeCloseTo(accuracy, 6);
    const plain = await run(['validate', '--checkpoint', 'ckpt/last.tapfit'], dir);
    expect(plain.out).toMatch(/^valid_loss \d+\.\d{6}\naccuracy \d+\.\d{6}$/);

    // predict on the config's first validation items, and on a file of inputs
    const p = await run(['predict', '--checkpoint', 'ckpt/last.tapfit', '-n', '5'], dir);
    expect(p.code, p.err).toBe(0);
    const decoded = JSON.parse(p.out) as number[];
    expect(decoded).toHaveLength(5);
    const { valid } = mnistArrays({ nTrain: 256, nValid: 64, seed: 0 });
    const items = Array.from({ length: 3 }, (_, i) => Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => [valid.x[i * 784 + r * 28 + c]])));
    writeFileSync(path.join(dir, 'inputs.json'), JSON.stringify(items));
    const f = await run(['predict', '--checkpoint', 'ckpt/last.tapfit', '--input', 'inputs.json', '-o', 'preds.json'], dir);
    expect(f.code, f.err).toBe(0);
    const written = JSON.parse(readFileSync(path.join(dir, 'preds.json'), 'utf8')) as { decoded: number[]; probs: number[][] };
    expect(written.decoded).toEqual(decoded.slice(0, 3));
    written.probs.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5));

    // An exported model: predict with no config at all.
    const loaded = await loadConfig({ cwd: dir });
    const learn = await learnerFromConfig(loaded, { quiet: true });
    await learn.load(path.join(dir, 'ckpt', 'last.tapfit'), { weightsOnly: true });
    await learn.export(path.join(dir, 'exported'));
    const bare = tempDir();
    const e = await run(['predict', '--model', path.join(dir, 'exported'), '--input', path.join(dir, 'inputs.json')], bare);
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out)).toEqual(decoded.slice(0, 3));
    const v = await run(['validate', '--model', 'exported', '--json'], dir);
    expect(JSON.parse(v.out).accuracy).toBeCloseTo(accuracy, 6);
  });

  it('usage errors exit 2 with a message naming the option; --help lists both commands', async () => {
    const dir = withConfig(CONFIG);
    const missing = await run(['validate', '--checkpoint', 'nope.tapfit'], dir);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toMatch(/--checkpoint: no file "nope.tapfit"/);
    const both = await run(['predict', '--checkpoint', 'a', '--model', 'b'], dir);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--checkpoint and --model are alternatives/);
    writeFileSync(path.join(dir, 'bad.json'), '{ not json');
    const bad = await run(['predict', '--input', 'bad.json'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--input: cannot read "bad.json" as JSON/);
    writeFileSync(path.join(dir, 'shape.json'), JSON.stringify([[1, 2, 3]]));
    const shape = await run(['predict', '--input', 'shape.json'], dir);
    expect(shape.code).toBe(2);
    expect(shape.err).toMatch(/predict: x must be one item of shape \[28,28,1\]/);
    const n = await run(['predict', '-n', '0'], dir);
    expect(n.code).toBe(2);
    const help = await run(['--help'], dir);
    expect(help.out).toMatch(/validate[\s\S]*predict/);
  });
});
