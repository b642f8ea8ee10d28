/**
 * NetworkReceive cuts size-prefixed frames out of a byte stream however it is split, and
 * keeps nothing of the chunks it is given: BrokerConnection reads the socket into one
 * buffer it reuses, so every frame must be a copy of its own.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NetworkReceive } from '../../src/network/NetworkReceive.js';

const framed = (...bodies: Buffer[]): Buffer =>
  Buffer.concat(
    bodies.flatMap((body) => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length);
      return [size, body];
    }),
  );

/** Feeds `stream` in pieces of `step` bytes through one reused buffer, scribbled over after each push. */
function receiveThroughOneBuffer(receive: NetworkReceive, stream: Buffer, step: number): Buffer[] {
  const reused = Buffer.alloc(step);
  const frames: Buffer[] = [];
  for (let at = 0; at < stream.length; at += step) {
    const n = stream.copy(reused, 0, at, at + step);
    frames.push(...receive.push(reused.subarray(0, n)));
    reused.fill(0xee);
  }
  return frames;
}

/**
 * Feeds `stream` as BrokerConnection's reader does: each read of at most `step` bytes
 * lands in the frame's room when there is one, else in one reused buffer, scribbled over
 * after each push. Returns the frames and how many bytes landed directly.
 */
function receiveIntoRoom(receive: NetworkReceive, stream: Buffer, step: number): { frames: Buffer[]; direct: number } {
  const reused = Buffer.alloc(step);
  const frames: Buffer[] = [];
  let direct = 0;
  for (let at = 0; at < stream.length;) {
    const room = receive.room;
    const n = stream.copy(room ?? reused, 0, at, at + step);
    at += n;
    if (room === null) {
      frames.push(...receive.push(reused.subarray(0, n)));
      reused.fill(0xee);
    } else {
      frames.push(...receive.landed(n));
      direct += n;
    }
  }
  return { frames, direct };
}

describe('NetworkReceive', () => {
  const bodies = [randomBytes(3), Buffer.alloc(0), randomBytes(70_000), randomBytes(1), randomBytes(5000)];
  const stream = framed(...bodies);

  for (const step of [1, 3, 4, 5, 4096, 65_536, stream.length])
    it(`gives every frame whole and intact when the stream comes ${step} bytes at a time through one reused buffer`, () => {
      const frames = receiveThroughOneBuffer(new NetworkReceive(1 << 20, 'test'), stream, step);
      expect(frames.map((f) => f.toString('hex'))).toEqual(bodies.map((b) => b.toString('hex')));
    });

  for (const step of [5, 4096, 65_536, stream.length])
    it(`gives every frame intact when reads of up to ${step} bytes land in a large frame's room directly`, () => {
      const { frames, direct } = receiveIntoRoom(new NetworkReceive(1 << 20, 'test'), stream, step);
      expect(frames.map((f) => f.toString('hex'))).toEqual(bodies.map((b) => b.toString('hex')));
      // Reads smaller than 16 KiB land most of the 70,000-byte frame in it directly.
      if (step < 16_384) expect(direct).toBeGreaterThan(50_000);
    });

  it('offers no room while no frame is being read, or when less than 16 KiB of it is left', () => {
    const receive = new NetworkReceive(1 << 20, 'test');
    expect(receive.room).toBeNull();
    const bytes = framed(randomBytes(40_000));
    expect(receive.push(bytes.subarray(0, 4))).toEqual([]);
    expect(receive.room?.length).toBe(40_000);
    expect(receive.push(bytes.subarray(4, 30_004))).toEqual([]);
    expect(receive.room).toBeNull();
    expect(receive.push(bytes.subarray(30_004)).map((f) => f.equals(bytes.subarray(4)))).toEqual([true]);
  });

  it('holds nothing of a frame until its prefix is whole, and refuses a size over the bound when the prefix arrives', () => {
    const receive = new NetworkReceive(100, 'broker 7');
    expect(receive.push(Buffer.from([0, 0]))).toEqual([]);
    expect(() => receive.push(Buffer.from([0, 101]))).toThrow(
      /Invalid receive \(size = 101 larger than 100\) from broker 7/,
    );
    expect(() => new NetworkReceive(100, 'x').push(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toThrow(
      /Invalid receive \(size = -2\)/,
    );
  });

  it('keeps a partial frame across pushes and completes it with the next', () => {
    const receive = new NetworkReceive(1 << 20, 'test');
    const body = randomBytes(10);
    const bytes = framed(body, body);
    expect(receive.push(bytes.subarray(0, 9))).toEqual([]);
    expect(receive.push(bytes.subarray(9)).map((f) => f.equals(body))).toEqual([true, true]);
  });
});
