/**
 * `__consumer_offsets` against independent implementations:
 * - the four record formats, laid out in Python from Kafka's JSON specs with
 *   kafka-python 2.0.2's own primitive encoders (kafka.protocol.types), must equal our
 *   bytes, and each side decodes the other's;
 * - a group's partition, abs(groupId.hashCode()) % partitions, computed by Java's own
 *   String.hashCode (the JDK here runs a one-file program).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { partitionForGroup } from '../../src/group/OffsetsTopicStore.js';
import {
  groupMetadataKey,
  groupMetadataValue,
  offsetCommitKey,
  offsetCommitValue,
  readGroupMetadataValue,
  readOffsetCommitValue,
  readOffsetsTopicKey,
  type GroupMetadataValueData,
  type OffsetCommitValueData,
} from '../../src/group/OffsetsTopicRecords.js';
import { tempDir } from '../helpers/tmp.js';
import { Rng, runPython, testSeed } from './support.js';

const CASES = 40;

const SCRIPT = `
import io, json, sys
from kafka.protocol.types import Array, Bytes, Int16, Int32, Int64, Schema, String

S = String('utf-8')
# Field order and types from group-coordinator/src/main/resources/common/message/*.json.
OFFSET_KEY_V1 = Schema(('version', Int16), ('group', S), ('topic', S), ('partition', Int32))
OFFSET_VALUE_V3 = Schema(('version', Int16), ('offset', Int64), ('leader_epoch', Int32), ('metadata', S), ('commit_timestamp', Int64))
OFFSET_VALUE_V1 = Schema(('version', Int16), ('offset', Int64), ('metadata', S), ('commit_timestamp', Int64), ('expire_timestamp', Int64))
GROUP_KEY_V2 = Schema(('version', Int16), ('group', S))
MEMBER_V3 = (('member_id', S), ('group_instance_id', S), ('client_id', S), ('client_host', S),
             ('rebalance_timeout', Int32), ('session_timeout', Int32), ('subscription', Bytes), ('assignment', Bytes))
GROUP_VALUE_V3 = Schema(('version', Int16), ('protocol_type', S), ('generation', Int32), ('protocol', S), ('leader', S),
                        ('current_state_timestamp', Int64), ('members', Array(*MEMBER_V3)))

def h(b): return b.hex()
def unhex(s): return bytes.fromhex(s)

def encode(c):
    out = {'offsetKey': h(OFFSET_KEY_V1.encode((1, c['group'], c['topic'], c['partition']))), 'groupKey': h(GROUP_KEY_V2.encode((2, c['group'])))}
    v = c['offset']
    if v['expireTimestamp'] == -1:
        out['offsetValue'] = h(OFFSET_VALUE_V3.encode((3, v['offset'], v['leaderEpoch'], v['metadata'], v['commitTimestamp'])))
    else:
        out['offsetValue'] = h(OFFSET_VALUE_V1.encode((1, v['offset'], v['metadata'], v['commitTimestamp'], v['expireTimestamp'])))
    g = c['groupValue']
    members = [(m['memberId'], m['groupInstanceId'], m['clientId'], m['clientHost'], m['rebalanceTimeout'], m['sessionTimeout'],
                unhex(m['subscription']), unhex(m['assignment'])) for m in g['members']]
    out['groupValue'] = h(GROUP_VALUE_V3.encode((3, g['protocolType'], g['generation'], g['protocol'], g['leader'], g['currentStateTimestamp'], members)))
    return out

def decode(ours):
    key = OFFSET_KEY_V1.decode(io.BytesIO(unhex(ours['offsetKey'])))
    raw = unhex(ours['offsetValue'])
    schema = OFFSET_VALUE_V3 if raw[:2] == b'\\x00\\x03' else OFFSET_VALUE_V1
    value = schema.decode(io.BytesIO(raw))
    group = GROUP_VALUE_V3.decode(io.BytesIO(unhex(ours['groupValue'])))
    members = [[m[0], m[1], m[2], m[3], m[4], m[5], h(m[6]), h(m[7])] for m in group[6]]
    return {'offsetKey': list(key), 'offsetValue': list(value), 'groupKey': list(GROUP_KEY_V2.decode(io.BytesIO(unhex(ours['groupKey'])))),
            'groupValue': list(group[:6]) + [members]}

cases = json.load(open(sys.argv[1]))
print(json.dumps([{'theirs': encode(c['input']), 'decodedOurs': decode(c['ours'])} for c in cases]))
`;

const NAMES = ['g', 'orders-consumer', 'grüppe-ü', 'connect-cluster', '', 'x'.repeat(300), 'emoji-\u{1F600}'];

function text(rng: Rng): string {
  return rng.pick(NAMES) + (rng.oneIn(2) ? `-${rng.int(0, 1e6)}` : '');
}

function randomCase(rng: Rng) {
  const offset: OffsetCommitValueData = {
    offset: rng.int(0, 2 ** 40),
    leaderEpoch: rng.oneIn(3) ? -1 : rng.int(0, 1000),
    metadata: rng.oneIn(2) ? '' : text(rng),
    commitTimestamp: 1_700_000_000_000 + rng.int(0, 1e9),
    expireTimestamp: -1,
  };
  if (rng.oneIn(4))
    Object.assign(offset, { leaderEpoch: -1, expireTimestamp: offset.commitTimestamp + rng.int(1, 1e8) });
  const members = Array.from({ length: rng.int(0, 4) }, () => ({
    memberId: `${text(rng)}-${rng.int(0, 1e9)}`,
    groupInstanceId: rng.oneIn(2) ? null : text(rng),
    clientId: text(rng),
    clientHost: `/10.0.${rng.int(0, 255)}.${rng.int(0, 255)}`,
    rebalanceTimeout: rng.int(0, 300000),
    sessionTimeout: rng.int(6000, 45000),
    subscription: rng.bytes(rng.int(0, 64)),
    assignment: rng.bytes(rng.int(0, 64)),
  }));
  const empty = members.length === 0;
  const groupValue: GroupMetadataValueData = {
    protocolType: empty && rng.oneIn(2) ? '' : 'consumer',
    generation: rng.int(0, 2 ** 31 - 1),
    protocol: empty ? null : rng.pick(['range', 'roundrobin', 'cooperative-sticky']),
    leader: empty ? null : members[0]!.memberId,
    currentStateTimestamp: 1_700_000_000_000 + rng.int(0, 1e9),
    members,
  };
  return { group: text(rng), topic: text(rng), partition: rng.int(0, 2 ** 31 - 1), offset, groupValue };
}

const hex = (b: Buffer) => b.toString('hex');

describe('__consumer_offsets records against kafka-python encoders laid out from the specs', () => {
  const rng = new Rng(testSeed(0x0ff5e75));
  const cases = Array.from({ length: CASES }, () => randomCase(rng));
  const ours = cases.map((c) => ({
    offsetKey: offsetCommitKey({ group: c.group, topic: c.topic, partition: c.partition }),
    offsetValue: offsetCommitValue(c.offset),
    groupKey: groupMetadataKey(c.group),
    groupValue: groupMetadataValue(c.groupValue),
  }));
  const dir = tempDir();
  const manifest = join(dir, 'cases.json');

  test('the same bytes both ways, and each decodes the other', () => {
    const json = (value: unknown) =>
      JSON.stringify(value, (_, v: unknown) =>
        v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
          ? hex(Buffer.from((v as { data: number[] }).data))
          : v,
      );
    writeFileSync(
      manifest,
      json(
        cases.map((c, i) => ({
          input: c,
          ours: Object.fromEntries(Object.entries(ours[i]!).map(([k, b]) => [k, hex(b)])),
        })),
      ),
    );
    const results = runPython<{ theirs: Record<string, string>; decodedOurs: Record<string, unknown[]> }[]>(
      dir,
      'records.py',
      SCRIPT,
      [manifest],
    );
    results.forEach(({ theirs, decodedOurs }, i) => {
      const c = cases[i]!;
      const mine = ours[i]!;
      expect(theirs).toEqual({
        offsetKey: hex(mine.offsetKey),
        offsetValue: hex(mine.offsetValue),
        groupKey: hex(mine.groupKey),
        groupValue: hex(mine.groupValue),
      });
      expect(readOffsetsTopicKey(Buffer.from(theirs.offsetKey!, 'hex'))).toEqual({
        type: 'offsetCommit',
        group: c.group,
        topic: c.topic,
        partition: c.partition,
      });
      expect(readOffsetsTopicKey(Buffer.from(theirs.groupKey!, 'hex'))).toEqual({
        type: 'groupMetadata',
        group: c.group,
      });
      expect(readOffsetCommitValue(Buffer.from(theirs.offsetValue!, 'hex'))).toEqual(c.offset);
      expect(readGroupMetadataValue(Buffer.from(theirs.groupValue!, 'hex'))).toEqual(c.groupValue);
      expect(decodedOurs.offsetKey).toEqual([1, c.group, c.topic, c.partition]);
      expect(decodedOurs.groupKey).toEqual([2, c.group]);
      const v = c.offset;
      expect(decodedOurs.offsetValue).toEqual(
        v.expireTimestamp === -1
          ? [3, v.offset, v.leaderEpoch, v.metadata, v.commitTimestamp]
          : [1, v.offset, v.metadata, v.commitTimestamp, v.expireTimestamp],
      );
      const g = c.groupValue;
      expect(decodedOurs.groupValue).toEqual([
        3,
        g.protocolType,
        g.generation,
        g.protocol,
        g.leader,
        g.currentStateTimestamp,
        g.members.map((m) => [
          m.memberId,
          m.groupInstanceId,
          m.clientId,
          m.clientHost,
          m.rebalanceTimeout,
          m.sessionTimeout,
          hex(m.subscription),
          hex(m.assignment),
        ]),
      ]);
    });
  });
});

const JAVA = `
public class GroupPartition {
  public static void main(String[] args) throws Exception {
    int partitions = Integer.parseInt(args[1]);
    StringBuilder out = new StringBuilder("[");
    for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(args[0]), java.nio.charset.StandardCharsets.UTF_8)) {
      int hash = line.hashCode();
      int abs = hash == Integer.MIN_VALUE ? 0 : Math.abs(hash);
      if (out.length() > 1) out.append(',');
      out.append(abs % partitions);
    }
    System.out.println(out.append(']'));
  }
}
`;

describe('the group partition against Java', () => {
  test.each([{ partitions: 50 }, { partitions: 7 }, { partitions: 1 }])(
    'abs(groupId.hashCode()) mod $partitions, for ASCII, non-ASCII and astral group ids',
    ({ partitions }) => {
      const rng = new Rng(testSeed(0x6a7a) + partitions);
      const ids = [
        '',
        'a',
        'polygenelubricants',
        'my-group',
        'Grüße',
        '消费者组',
        'emoji-\u{1F600}-group',
        ...Array.from({ length: 200 }, () => `${text(rng)}-${rng.int(0, 2 ** 31)}`),
      ];
      const dir = tempDir();
      writeFileSync(join(dir, 'GroupPartition.java'), JAVA);
      writeFileSync(join(dir, 'ids.txt'), ids.join('\n'));
      const java = JSON.parse(
        execFileSync('java', [join(dir, 'GroupPartition.java'), join(dir, 'ids.txt'), String(partitions)], {
          encoding: 'utf8',
        }),
      ) as number[];
      expect(ids.map((id) => partitionForGroup(id, partitions))).toEqual(java);
    },
  );
});
