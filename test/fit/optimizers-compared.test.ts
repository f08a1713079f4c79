import { describe, expect, it } from 'vitest';
import { compareOptimizers, formatTable } from '../../examples/optimizers-compared/compare.ts';

describe('the optimizer comparison, at small scale (real MNIST, wasm)', () => {
  it('Adam + one-cycle reaches a lower validation loss than plain SGD + one-cycle (2,000 digits, 2 epochs)', async () => {
    const rows = await compareOptimizers({ nTrain: 2000, nValid: 500, epochs: 2, only: ['sgd', 'adam'], backend: 'wasm' });
    const [sgd, adam] = rows;
    expect(rows.map((r) => r.optimizer)).toEqual(['sgd', 'adam']);
    expect(adam.validLoss).toBeLessThan(sgd.validLoss);
    expect(adam.accuracy).toBeGreaterThan(0.85);
    for (const r of rows) expect(r.trainLoss).toBeGreaterThan(0);
    const table = formatTable(rows);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toContain('| adam | 3.0e-3 | – |');
  });
});
