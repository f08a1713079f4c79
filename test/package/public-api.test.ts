/**
 * The public surface of each entry point, as names and kinds: it changes only on purpose (update the snapshot with
 * `npx vitest run test/package/public-api.test.ts -u` and say why in the commit).
 */
import { describe, expect, it } from 'vitest';

async function surface(entry: string): Promise<string[]> {
  const mod = (await import(/* @vite-ignore */ entry)) as Record<string, unknown>;
  return Object.keys(mod)
    .sort()
    .map((name) => `${name}: ${typeof mod[name]}`);
}

describe('public API', () => {
  for (const entry of ['tapfit', 'tapfit/plugin-sdk', 'tapfit/plugin-sdk/testing']) {
    it(`${entry} exports exactly the recorded names`, async () => {
      expect(await surface(entry)).toMatchSnapshot();
    });
  }

  it('everything the plugin SDK exports is exported from tapfit too', async () => {
    const sdk = await surface('tapfit/plugin-sdk');
    const main = new Set(await surface('tapfit'));
    expect(sdk.filter((x) => !main.has(x))).toEqual([]);
  });
});
