/**
 * tapfit as a dependency, tried the way a user gets it: `npm pack`, the tarball installed into a fresh app and into
 * a fresh plugin package (each with its own copy), then plain Node ESM, CommonJS `require`, a strict TypeScript
 * type-check, the built CLI, crash output, and a plugin from another copy of tapfit cancelling a fit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(path.join(tmpdir(), 'tapfit-package-'));
const app = path.join(work, 'app');
const pluginDir = path.join(work, 'plugin');
let tarball = '';
let tarballFiles: string[] = [];

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
}

/** Run `node <args>` in the app; never throws. */
function node(args: string[], cwd = app): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A small fit every consumer style runs: 2 epochs of an MLP on 256 real digits, the recorder's rows printed. */
const FIT_BODY = `
const learn = await Learner.create({
  model: mnistMlp({ hidden: 32 }),
  dls: mnist({ nTrain: 256, nValid: 128, batchSize: 64 }),
  metrics: ['accuracy'],
  quiet: true,
});
await learn.fit(2, 3e-3);
console.log(JSON.stringify({ backend: learn.backend, values: learn.recorder.values }));
`;

beforeAll(() => {
  // `npm pack` runs `prepare` (the build) first, as a publish or a git install does.
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], ROOT)) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, packed[0].filename);
  tarballFiles = packed[0].files.map((f) => f.path);

  write(app, {
    'package.json': JSON.stringify({ name: 'fresh-app', version: '1.0.0', private: true }),
    'esm.mjs': `import { Learner, mnist, mnistMlp } from 'tapfit';\n${FIT_BODY}`,
    'cjs.cjs': `const { Learner, mnist, mnistMlp } = require('tapfit');\n(async () => {${FIT_BODY}})();\n`,
    'crash.mjs': `import { Learner, mnist, mnistMlp } from 'tapfit';
const learn = await Learner.create({ model: mnistMlp({ hidden: 8 }), dls: mnist({ nTrain: 64, nValid: 64, batchSize: 64 }), quiet: true });
setTimeout(() => { throw new Error('the app has a bug (' + learn.backend + ')'); }, 0);
`,
    'reject.mjs': `import { Learner, mnist, mnistMlp } from 'tapfit';
await Learner.create({ model: mnistMlp({ hidden: 8 }), dls: mnist({ nTrain: 64, nValid: 64, batchSize: 64 }), quiet: true });
Promise.reject(new Error('an unhandled rejection'));
`,
    'with-plugin.mjs': `import { Learner, mnist, mnistMlp } from 'tapfit';
const events = [];
const learn = await Learner.create({
  model: mnistMlp({ hidden: 16 }),
  dls: mnist({ nTrain: 512, nValid: 128, batchSize: 64 }),
  plugins: ['../plugin/index.js'],
  quiet: true,
});
for (const e of ['afterCancelFit', 'afterFit']) learn.hooks[e].tap('app', () => { events.push(e); });
await learn.fit(3, 1e-3);
const plugin = learn.plugin('stop-after-three');
console.log(JSON.stringify({ events, batches: plugin.batches, made: plugin.madeOnLearnerEngine, epoch: learn.epoch }));
`,
    'typed.ts': `import { Learner, mnist, mnistMlp, createOptimizer, lookahead, type LearnerOptions } from 'tapfit';
import { definePlugin, CancelFitError, tf, lineChart, type Learner as LearnerView } from 'tapfit/plugin-sdk';
import { createTestLearner } from 'tapfit/plugin-sdk/testing';

const stop = definePlugin({
  name: 'stop-early',
  runAfter: ['recorder'],
  afterBatch(learn: LearnerView): void {
    if (learn.smoothLoss !== null && learn.smoothLoss < 0.01) throw new CancelFitError();
  },
});
const options: LearnerOptions = { model: mnistMlp({ hidden: 8 }), dls: mnist({ nTrain: 64, nValid: 64 }), plugins: [stop] };
export async function run(): Promise<number> {
  const learn = await Learner.create(options);
  await learn.fitOneCycle(1, 1e-3);
  const opt = lookahead(await createOptimizer(learn.model.parameters(), 'sgd', { lr: 0.1 }));
  opt.dispose();
  const t: ReturnType<typeof tf.scalar> = tf.scalar(1);
  t.dispose();
  void lineChart([{ name: 'loss', x: [0, 1], y: [1, 0] }]);
  void createTestLearner;
  return learn.recorder?.values.length ?? 0;
}
`,
    'typed-cjs.cts': `import tapfit = require('tapfit');
export const names: string[] = [tapfit.Learner.name, tapfit.CancelFitError.name];
`,
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [] },
      files: ['typed.ts', 'typed-cjs.cts'],
    }),
    'tapfit.config.mjs': `export default { model: 'mnist-mlp', data: ['mnist', { nTrain: 256, nValid: 128 }], fit: { epochs: 1 }, output: 'out' };\n`,
    'ts-config/tapfit.config.ts': `const epochs: number = 1;\nexport default { model: 'mnist-mlp', data: 'mnist', fit: { epochs } };\n`,
  });
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);

  write(pluginDir, {
    'package.json': JSON.stringify({
      name: 'tapfit-plugin-stop-after-three',
      version: '1.0.0',
      type: 'module',
      exports: './index.js',
      peerDependencies: { tapfit: '*' },
    }),
    // The plugin's own copy of tapfit (as while it is developed in its own folder): its CancelFitError and its
    // `tf` come from that copy.
    'index.js': `import { definePlugin, CancelFitError, tf } from 'tapfit/plugin-sdk';
export default definePlugin({
  name: 'stop-after-three',
  batches: 0,
  madeOnLearnerEngine: false,
  afterBatch(learn) {
    if (!learn.training) return;
    this.batches += 1;
    const probe = tf.tidy(() => tf.add(learn.loss, 0));
    this.madeOnLearnerEngine = tf.getBackend() === learn.backend && !probe.isDisposed;
    probe.dispose();
    if (this.batches === 3) throw new CancelFitError('enough');
  },
});
`,
  });
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', tarball], pluginDir);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('ships the built code, types, README and LICENSE only', () => {
    expect(tarballFiles).toContain('package.json');
    expect(tarballFiles).toContain('README.md');
    expect(tarballFiles).toContain('LICENSE');
    expect(tarballFiles).toContain('dist/runtime/index.js');
    expect(tarballFiles).toContain('dist/runtime/index.d.ts');
    expect(tarballFiles).toContain('dist/runtime/testing/test-learner.js');
    expect(tarballFiles).toContain('dist/plugins/recorder/index.js');
    expect(tarballFiles).toContain('dist/plugins/steppers/adam-step.js');
    expect(tarballFiles).toContain('dist/runtime/cli/bin.js');
    const stray = tarballFiles.filter((f) => !['package.json', 'README.md', 'LICENSE'].includes(f) && !f.startsWith('dist/'));
    expect(stray).toEqual([]);
    // Sources stay home: only compiled JavaScript and declarations.
    expect(tarballFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(tarballFiles.filter((f) => /(^|\/)(test|bench|examples|\.ci)\//.test(f))).toEqual([]);
  });

  it('installs with no TypeScript toolchain: typescript, tsx and vitest are not dependencies', () => {
    const installed = readdirSync(path.join(app, 'node_modules'));
    expect(installed).toContain('tapfit');
    expect(installed).toContain('@tensorflow');
    for (const dev of ['typescript', 'tsx', 'vitest']) expect(installed).not.toContain(dev);
  });
});

describe('a fresh app', () => {
  it('plain Node ESM: imports tapfit, trains, the loss falls, no tfjs banner', () => {
    const r = node(['esm.mjs']);
    expect(r.err).not.toMatch(/Hi, looks like you are running TensorFlow\.js/);
    expect(r.code, r.err).toBe(0);
    const { backend, values } = JSON.parse(r.out.trim().split('\n').at(-1)!) as { backend: string; values: number[][] };
    expect(backend).toBe('wasm');
    expect(values).toHaveLength(2);
    expect(values[1][0]).toBeLessThan(values[0][0]); // train loss epoch 2 < epoch 1
    expect(values[1][2]).toBeGreaterThan(0.5); // accuracy on real digits
  });

  it('CommonJS require(): the same library, trained the same way', () => {
    const r = node(['cjs.cjs']);
    expect(r.err).not.toMatch(/ExperimentalWarning|Hi, looks like/);
    expect(r.code, r.err).toBe(0);
    const { values } = JSON.parse(r.out.trim().split('\n').at(-1)!) as { values: number[][] };
    expect(values).toHaveLength(2);
    expect(values[1][0]).toBeLessThan(values[0][0]);
  });

  it("TypeScript, module NodeNext + strict, no @types/node, library files checked: zero errors in tapfit's files or the app's", () => {
    const r = node([TSC, '-p', 'tsconfig.json']);
    // With skipLibCheck off, tfjs's own declarations have strict-mode errors of their own; they are not tapfit's.
    const errors = (r.out + r.err).split('\n').filter((l) => /error TS/.test(l));
    const ours = errors.filter((l) => !l.startsWith('node_modules/') || l.startsWith('node_modules/tapfit/'));
    expect(ours).toEqual([]);
    expect(errors.every((l) => l.startsWith('node_modules/@tensorflow/'))).toBe(true);
  });

  it("TypeScript with `tsc --init`'s defaults: zero errors", () => {
    const dir = path.join(app, 'init');
    mkdirSync(dir, { recursive: true });
    expect(node([TSC, '--init'], dir).code).toBe(0);
    write(dir, { 'package.json': JSON.stringify({ type: 'module' }), 'index.ts': `import { Learner } from 'tapfit';\nimport { definePlugin } from 'tapfit/plugin-sdk';\nexport const p = definePlugin({ name: 'x', afterFit() {} });\nexport const create = Learner.create;\n` });
    const r = node([TSC, '-p', '.'], dir);
    expect(r.out + r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it("an uncaught error after Learner.create prints Node's own message and stack and exits 1", () => {
    const r = node(['crash.mjs']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Error: the app has a bug \(wasm\)$/m);
    expect(r.err).toMatch(/^\s+at .*crash\.mjs/m);
    expect(r.err.length).toBeLessThan(2_000); // no dump of the wasm module's source
    const rejected = node(['reject.mjs']);
    expect(rejected.code).toBe(1);
    expect(rejected.err).toMatch(/Error: an unhandled rejection/);
    expect(rejected.err.length).toBeLessThan(2_000);
  });

  it('a plugin package with its own copy of tapfit cancels the fit, on the learner\'s engine, with no warnings', () => {
    const r = node(['with-plugin.mjs']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/already registered|E_PLUGIN_FAILED|Hi, looks like/);
    const seen = JSON.parse(r.out.trim().split('\n').at(-1)!) as { events: string[]; batches: number; made: boolean; epoch: number };
    expect(seen).toEqual({ events: ['afterCancelFit', 'afterFit'], batches: 3, made: true, epoch: 0 });
  });

  it('the built CLI trains from a .mjs config; a .ts config without tsx says what to install (exit 2)', () => {
    const bin = path.join(app, 'node_modules/tapfit/dist/runtime/cli/bin.js');
    const fit = node([bin, 'fit', '--quiet']);
    expect(fit.code, fit.err).toBe(0);
    const ts = node([bin, 'explain'], path.join(app, 'ts-config'));
    expect(ts.code).toBe(2);
    expect(ts.err).toContain('tapfit.config.ts');
    expect(ts.err).toContain('needs tsx (npm install --save-dev tsx)');
  });
});
