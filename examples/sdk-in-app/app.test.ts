import { describe, expect, it } from 'vitest';
import { trainDigits } from './app.ts';

describe('examples/sdk-in-app', () => {
  it('trains with its own plugin and reads the recorder', async () => {
    const result = await trainDigits({ epochs: 2, nTrain: 128, quiet: true });
    expect(result.metricNames).toEqual(['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time']);
    expect(result.values).toHaveLength(2);
    expect(result.losses).toHaveLength(4); // 128 items / 64 per batch × 2 epochs
    const accuracies = result.values.map((row) => row[2] as number);
    expect(result.best.accuracy).toBe(Math.max(...accuracies));
    expect(result.best.epoch).toBe(accuracies.indexOf(result.best.accuracy));
    expect(result.best.accuracy).toBeGreaterThan(0.1); // better than chance after two epochs
  });
});
