import { describe, expect, test } from 'vitest';
import { CompressionRatioEstimator } from '../../src/client/CompressionRatioEstimator.js';

// Kafka's rules (CompressionRatioEstimator.updateEstimation): start at 1; better than guessed
// lowers the guess by 0.005 (not below what was seen); worse raises it by at least 0.05.
describe('CompressionRatioEstimator', () => {
  test('starts at 1 for every topic and codec', () => {
    expect(new CompressionRatioEstimator().estimation('t', 'zstd')).toBe(1);
  });

  test('improves slowly, deteriorates fast, per topic and codec', () => {
    const e = new CompressionRatioEstimator();
    expect(e.update('t', 'zstd', 0.3)).toBeCloseTo(0.995, 10);
    expect(e.update('t', 'zstd', 0.3)).toBeCloseTo(0.99, 10);
    expect(e.update('t', 'zstd', 0.991)).toBeCloseTo(1.04, 10);
    expect(e.update('t', 'zstd', 1.5)).toBe(1.5);
    expect(e.update('t', 'zstd', 1.499)).toBeCloseTo(1.499, 10);
    expect(e.estimation('t', 'gzip')).toBe(1);
    expect(e.estimation('u', 'zstd')).toBe(1);
  });
});
