/**
 * Kafka's CompressionRatioEstimator: a running guess, per topic and codec, of compressed
 * size over uncompressed size, so that an open batch can be sealed near `batch.size`
 * bytes of *compressed* output before it is compressed. It starts at 1, creeps down
 * slowly when batches compress better than guessed, and jumps up when they compress
 * worse, so that batches overshoot rarely.
 */
import type { CompressionCodec } from '../record/Compression.js';

const IMPROVING_STEP = 0.005;
const DETERIORATE_STEP = 0.05;
/** MemoryRecordsBuilder's margin over the estimate (COMPRESSION_RATE_ESTIMATION_FACTOR). */
export const ESTIMATION_FACTOR = 1.05;

export class CompressionRatioEstimator {
  private readonly ratios = new Map<string, number>();

  estimation(topic: string, codec: CompressionCodec): number {
    return this.ratios.get(key(topic, codec)) ?? 1;
  }

  /** Folds in the ratio a sealed batch achieved; returns the new estimation. */
  update(topic: string, codec: CompressionCodec, observed: number): number {
    const current = this.estimation(topic, codec);
    let next = current;
    if (observed > current) next = Math.max(current + DETERIORATE_STEP, observed);
    else if (observed < current) next = Math.max(current - IMPROVING_STEP, observed);
    this.ratios.set(key(topic, codec), next);
    return next;
  }
}

function key(topic: string, codec: CompressionCodec): string {
  return `${codec}/${topic}`;
}
