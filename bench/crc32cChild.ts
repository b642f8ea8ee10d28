/**
 * Child process of the crc32c suite, started with TRIBUTARY_CRC32C=<path> so the addon
 * uses that CRC32C path (it reports which one it got). Forked with an IPC channel, it answers the parent's
 * requests one at a time (so the parent can interleave its own trials with these).
 * Run directly, it measures both cases itself and prints the result as JSON.
 */
import type { FromChild, ToChild } from './suites/crc32cWork.js';

const { crc32cImplementation } = await import('../src/index.js');
const { gigabytesPerSecond, median } = await import('./harness.js');
const { microOptions } = await import('./micro.js');
const work = await import('./suites/crc32cWork.js');

const data = work.crcData();
const implementation = crc32cImplementation();

function reply(message: FromChild): void {
  process.send!(message);
}

async function handle(message: ToChild): Promise<void> {
  switch (message.op) {
    case 'trial':
      globalThis.gc?.();
      reply({ op: 'sample', sample: await work.crc32cTrial(data, message.kind, message.options)() });
      break;
    case 'exit':
      process.disconnect();
      break;
  }
}

if (process.send !== undefined) {
  process.on('message', (message: ToChild) => {
    handle(message).catch((error: unknown) => reply({ op: 'error', message: String(error) }));
  });
  reply({ op: 'ready', implementation });
} else {
  const results: { case: string; gbPerSecond: number }[] = [];
  for (const kind of ['large', 'small'] as const) {
    const trial = work.crc32cTrial(data, kind, microOptions({ quick: false, smoke: false }));
    const rates: number[] = [];
    for (let i = 0; i < 5; i++) rates.push(gigabytesPerSecond(await trial()));
    results.push({ case: kind === 'large' ? '16 MiB buffer' : '4 KiB buffers', gbPerSecond: median(rates) });
  }
  process.stdout.write(`${JSON.stringify({ implementation, results })}\n`);
}
