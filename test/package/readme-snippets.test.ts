/**
 * Every TypeScript snippet in the README and the examples' READMEs type-checks against tapfit's entry points
 * (`tapfit`, `tapfit/plugin-sdk`, `tapfit/plugin-sdk/testing`), strict, as a user would paste it. A snippet whose
 * first line is `// name.ts` is written under that name, so a later snippet of the same README can import it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { bufferIO } from '../../runtime/cli/io.ts';
import { main } from '../../runtime/cli/main.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
// Inside node_modules, so `tapfit` and the example plugin resolve as from any file of the repository.
const OUT = path.join(ROOT, 'node_modules/.cache/tapfit-readme-snippets');
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

const READMES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'examples'))
    .map((d) => path.join('examples', d, 'README.md'))
    .filter((f) => {
      try {
        return readFileSync(path.join(ROOT, f)).length > 0;
      } catch {
        return false;
      }
    }),
];

function snippets(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

function typeErrors(files: string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const program = ts.createProgram(files, { ...config.options, noEmit: true, types: ['node'] });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || d.file.fileName.startsWith(OUT))
    .map((d) => {
      const where = d.file && d.start !== undefined ? `${path.relative(OUT, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
}

describe('README snippets', () => {
  it('every ```ts block of every README type-checks against the package entry points', () => {
    const files: string[] = [];
    for (const readme of READMES) {
      const dir = path.join(OUT, readme.replace(/\W+/g, '-'));
      mkdirSync(dir, { recursive: true });
      snippets(readFileSync(path.join(ROOT, readme), 'utf8')).forEach((code, i) => {
        const named = /^\/\/ ([\w.-]+\.ts)\n/.exec(code)?.[1];
        const file = path.join(dir, named ?? `snippet-${i}.ts`);
        // Each unnamed snippet is a module of its own (top-level await, no clashing names).
        writeFileSync(file, /^\s*(import|export) /m.test(code) ? code : `${code}\nexport {};\n`);
        files.push(file);
      });
    }
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(typeErrors(files)).toEqual([]);
  }, 120_000);

  it('no snippet or link reaches outside the repository, and no snippet imports the sources by path', () => {
    for (const readme of READMES) {
      const text = readFileSync(path.join(ROOT, readme), 'utf8');
      expect(text, readme).not.toMatch(/\.\.\/shared\//);
      for (const code of snippets(text)) expect(code, readme).not.toMatch(/from '(\.\.\/)+(runtime|plugin-sdk|plugins)\//);
    }
  });

  it("the README's sample config error is what the CLI prints", async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const sample = /`(\.tapfitrc\.json: fit\.epochs: [^`]+)`/.exec(readme)?.[1];
    expect(sample).toBeDefined();
    const dir = path.join(OUT, 'sample-error');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{}');
    writeFileSync(path.join(dir, '.tapfitrc.json'), JSON.stringify({ model: 'mnist-mlp', data: 'mnist', fit: { epochs: 'three' } }));
    const io = bufferIO(dir);
    expect(await main(['fit', '--quiet'], io)).toBe(2);
    expect(io.stderrText.split('\n')).toContain(sample);
  });
});
