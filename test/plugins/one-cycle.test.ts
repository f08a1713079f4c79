import { describe, expect, it } from 'vitest';
import { tinyLearner } from '../helpers/schedules.ts';

describe('one-cycle', () => {
  it("the 'one-cycle' plugin, loaded by name, schedules the same as fitOneCycle", async () => {
    const a = await tinyLearner(10);
    await a.fitOneCycle(1, 1e-2, { pctStart: 0.3 });
    const b = await tinyLearner(10);
    await b.fit(1, 1e-2, { plugins: [['one-cycle', { pctStart: 0.3 }]] });
    expect(b.recorder!.hps.lr).toEqual(a.recorder!.hps.lr);
    expect(b.recorder!.hps.mom).toEqual(a.recorder!.hps.mom);
  });
});
