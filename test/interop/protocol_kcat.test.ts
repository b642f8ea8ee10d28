/**
 * librdkafka 2.0.2, through kcat 1.7.1, against the codec: a tiny loopback server splits
 * what kcat sends into frames, answers ApiVersions and Metadata with our encoder, and
 * `kcat -L -J` prints the cluster it read from our responses. The ApiVersions v3 request
 * librdkafka sends first (flexible: request header v2, compact strings, KIP-511 software
 * name and version) is also checked byte by byte against the spec.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { expect, test } from 'vitest';
import {
  ApiKey,
  apiSchema,
  decodeRequest,
  encodeResponse,
  supportedApis,
  type DecodedRequest,
} from '../../src/protocol/index.js';

const TOPIC = 'orders';

function respond(socket: Socket, port: number, { header }: DecodedRequest): void {
  const body =
    header.apiKey === ApiKey.ApiVersions
      ? { errorCode: 0, apiKeys: supportedApis(), throttleTimeMs: 0 }
      : {
          brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
          clusterId: 'tributary-test',
          controllerId: 1,
          topics: [
            {
              errorCode: 0,
              name: TOPIC,
              isInternal: false,
              partitions: [0, 1].map((partitionIndex) => ({
                errorCode: 0,
                partitionIndex,
                leaderId: 1,
                replicaNodes: [1],
                isrNodes: [1],
              })),
            },
          ],
        };
  for (const chunk of encodeResponse(apiSchema(header.apiKey)!, header, body)) socket.write(chunk);
}

/** Serves ApiVersions and Metadata; returns every request frame it received. */
async function serve(run: (port: number) => Promise<string>): Promise<{ frames: Buffer[]; output: string }> {
  const frames: Buffer[] = [];
  const server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = Buffer.from(pending.subarray(4, 4 + pending.readInt32BE(0)));
        pending = pending.subarray(4 + frame.length);
        frames.push(frame);
        const request = decodeRequest(frame);
        if (request.header.apiKey === ApiKey.ApiVersions || request.header.apiKey === ApiKey.Metadata)
          respond(socket, port, request);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return { frames, output: await run(port) };
  } finally {
    server.close();
  }
}

function kcat(args: string[]): Promise<string> {
  const child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`kcat exited with ${code}: ${stderr}`));
    });
  });
}

const int16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const compact = (s: string) => [s.length + 1, ...Buffer.from(s)];

test('kcat -L reads our ApiVersions and Metadata responses; its ApiVersions v3 request is as the spec lays it out', async () => {
  const { frames, output } = await serve((port) => kcat(['-b', `127.0.0.1:${port}`, '-L', '-J', '-m', '10']));

  const first = frames[0]!;
  const correlationId = [...first.subarray(4, 8)];
  expect([...first]).toEqual([
    ...int16(18),
    ...int16(3),
    ...correlationId,
    ...int16(7),
    ...Buffer.from('rdkafka'),
    0,
    ...compact('librdkafka'),
    ...compact('2.0.2'),
    0,
  ]);
  expect(decodeRequest(first).body).toEqual({ clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });

  // librdkafka asks for the brokers only (no topics), then for every topic (null).
  const metadata = frames.map((f) => decodeRequest(f)).filter((r) => r.header.apiKey === ApiKey.Metadata);
  expect(metadata.map((r) => r.header.apiVersion)).toEqual([4, 4]);
  expect(metadata.map((r) => r.body)).toMatchObject([
    { topics: [], allowAutoTopicCreation: false },
    { topics: null, allowAutoTopicCreation: true },
  ]);

  const cluster = JSON.parse(output) as {
    brokers: { id: number }[];
    topics: { topic: string; partitions: object[] }[];
    controllerid: number;
  };
  expect(cluster.controllerid).toBe(1);
  expect(cluster.brokers).toMatchObject([{ id: 1 }]);
  expect(cluster.topics).toEqual([
    {
      topic: TOPIC,
      partitions: [0, 1].map((partition) => ({ partition, leader: 1, replicas: [{ id: 1 }], isrs: [{ id: 1 }] })),
    },
  ]);
});
