import { describe, expect, test } from 'vitest';
import { LATENCY_BUCKETS, LatencyHistogram } from '../../src/metrics/LatencyHistogram.js';

describe('LatencyHistogram', () => {
  test('counts each duration into the first bucket whose bound it does not exceed, cumulatively', () => {
    const h = new LatencyHistogram();
    for (const seconds of [0.00005, 0.0001, 0.0003, 0.002, 0.002, 20]) h.observe(seconds);
    const cumulative = h.cumulativeCounts();
    expect(cumulative).toHaveLength(LATENCY_BUCKETS.length);
    const at = (bound: number) => cumulative[LATENCY_BUCKETS.indexOf(bound)];
    expect([at(0.0001), at(0.00025), at(0.0005), at(0.001), at(0.0025), at(10)]).toEqual([2, 2, 3, 3, 5, 5]);
    expect(h.count).toBe(6);
    expect(h.sum).toBeCloseTo(20.00445, 9);
  });

  test('summarises count, total, max and bucket bounds of the median and 99th percentile', () => {
    const h = new LatencyHistogram();
    expect(h.summary()).toEqual({ count: 0, totalMs: 0, maxMs: 0, p50Ms: 0, p99Ms: 0 });
    for (let i = 0; i < 99; i++) h.observe(0.0004);
    h.observe(0.3);
    const s = h.summary();
    expect(s.count).toBe(100);
    expect(s.totalMs).toBeCloseTo(99 * 0.4 + 300, 6);
    expect(s.maxMs).toBeCloseTo(300, 9);
    expect(s.p50Ms).toBe(0.5);
    expect(s.p99Ms).toBe(0.5);
    h.observe(0.3);
    expect(h.summary().p99Ms).toBe(300);
  });
});
