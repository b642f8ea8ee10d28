/**
 * The consumer protocol and the range / round-robin assignors against kafka-python 2.0.2
 * (kafka/coordinator/protocol.py and kafka/coordinator/assignors/{range,roundrobin}.py):
 *  - bytes: kafka-python's v0 ConsumerProtocolMemberMetadata / MemberAssignment encode
 *    to our bytes, and it reads ours at every version (v1+ fields trail its v0 struct);
 *  - assignments: seeded random groups (dynamic members, random subscriptions and
 *    partition counts) assigned by both. kafka-python knows nothing of group.instance.id,
 *    so only dynamic members are compared.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  groupByTopic,
  type ConsumerProtocolSubscription,
} from '../../src/group/ConsumerProtocol.js';
import { RangeAssignor } from '../../src/group/assignors/RangeAssignor.js';
import { RoundRobinAssignor } from '../../src/group/assignors/RoundRobinAssignor.js';
import type { AssignorMember, PartitionAssignor } from '../../src/group/assignors/PartitionAssignor.js';
import { tempDir } from '../helpers/tmp.js';
import { hexOrNull, Rng, runPython, testSeed } from './support.js';

const PYTHON_PROTOCOL = `
import json, sys
from kafka.coordinator.protocol import ConsumerProtocolMemberMetadata, ConsumerProtocolMemberAssignment

with open(sys.argv[1]) as f:
    cases = json.load(f)
out = []
for c in cases:
    user_data = None if c['userData'] is None else bytes.fromhex(c['userData'])
    # Struct.encode holds its instance weakly: keep the instances alive while encoding.
    md_struct = ConsumerProtocolMemberMetadata(0, c['topics'], user_data)
    asg_struct = ConsumerProtocolMemberAssignment(0, [(t, ps) for t, ps in c['assigned']], user_data)
    md, asg = md_struct.encode(), asg_struct.encode()
    read_md = [ConsumerProtocolMemberMetadata.decode(bytes.fromhex(h)) for h in c['ourSubscriptions']]
    read_asg = [ConsumerProtocolMemberAssignment.decode(bytes.fromhex(h)) for h in c['ourAssignments']]
    out.append({
        'metadata': md.hex(),
        'assignment': asg.hex(),
        'readSubscriptions': [{'version': m.version, 'topics': m.subscription, 'userData': None if m.user_data is None else m.user_data.hex()} for m in read_md],
        'readAssignments': [{'version': a.version, 'assigned': [[t, ps] for t, ps in a.assignment], 'userData': None if a.user_data is None else a.user_data.hex()} for a in read_asg],
    })
json.dump(out, sys.stdout)
`;

const PYTHON_ASSIGN = `
import json, sys
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.coordinator.protocol import ConsumerProtocolMemberMetadata

class Cluster:
    """The one method the assignors call on ClusterMetadata."""
    def __init__(self, counts):
        self.counts = counts
    def partitions_for_topic(self, topic):
        n = self.counts.get(topic)
        return None if n is None else set(range(n))

assignors = {'range': RangePartitionAssignor, 'roundrobin': RoundRobinPartitionAssignor}
with open(sys.argv[1]) as f:
    groups = json.load(f)
out = []
for g in groups:
    metadata = {m: ConsumerProtocolMemberMetadata(0, topics, b'') for m, topics in g['members'].items()}
    result = assignors[g['assignor']].assign(Cluster(g['counts']), metadata)
    out.append({m: [t + 'p' + str(p) for t, ps in a.assignment for p in ps] for m, a in result.items()})
json.dump(out, sys.stdout)
`;

interface ProtocolCase {
  topics: string[];
  userData: string | null;
  assigned: [string, number[]][];
  ourSubscriptions: string[];
  ourAssignments: string[];
}

interface PythonRead {
  metadata: string;
  assignment: string;
  readSubscriptions: { version: number; topics: string[]; userData: string | null }[];
  readAssignments: { version: number; assigned: [string, number[]][]; userData: string | null }[];
}

const VERSIONS = [0, 1, 2, 3];

function randomTopic(rng: Rng): string {
  return Array.from({ length: rng.int(1, 10) }, () => rng.pick([...'abz._-09ü'])).join('');
}

describe('consumer protocol bytes against kafka-python', () => {
  test('v0 encodings are equal; kafka-python reads our v0-v3 subscriptions and assignments', () => {
    const rng = new Rng(testSeed(0xc0ffee));
    const dir = tempDir();
    const cases: ProtocolCase[] = [];
    const subscriptions: ConsumerProtocolSubscription[] = [];
    for (let i = 0; i < 60; i++) {
      const topics = Array.from({ length: rng.int(0, 4) }, () => randomTopic(rng));
      const userData = rng.oneIn(4) ? null : rng.bytes(rng.int(0, 16));
      const owned = groupByTopic(
        topics.flatMap((topic) => Array.from({ length: rng.int(0, 3) }, (_, p) => ({ topic, partition: p }))),
      );
      const subscription = {
        topics,
        userData,
        ownedPartitions: owned,
        generationId: rng.int(-1, 1000),
        rackId: rng.oneIn(2) ? null : 'r1',
      };
      const assignment = {
        assignedPartitions: [...new Set(topics)].map((topic) => ({
          topic,
          partitions: [rng.int(0, 99), rng.int(0, 99)],
        })),
        userData,
      };
      subscriptions.push(subscription);
      cases.push({
        topics,
        userData: hexOrNull(userData),
        assigned: assignment.assignedPartitions.map((a) => [a.topic, a.partitions]),
        ourSubscriptions: VERSIONS.map((v) => encodeSubscription(subscription, v).toString('hex')),
        ourAssignments: VERSIONS.map((v) => encodeAssignment(assignment, v).toString('hex')),
      });
    }
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    const read = runPython<PythonRead[]>(dir, 'protocol.py', PYTHON_PROTOCOL, [join(dir, 'cases.json')]);
    cases.forEach((c, i) => {
      const python = read[i]!;
      expect(python.metadata).toBe(c.ourSubscriptions[0]);
      expect(python.assignment).toBe(c.ourAssignments[0]);
      expect(decodeSubscription(Buffer.from(python.metadata, 'hex'))).toEqual({
        ...subscriptions[i]!,
        ownedPartitions: [],
        generationId: -1,
        rackId: null,
        version: 0,
      });
      expect(
        decodeAssignment(Buffer.from(python.assignment, 'hex')).assignedPartitions.map((a) => [a.topic, a.partitions]),
      ).toEqual(c.assigned);
      expect(python.readSubscriptions).toEqual(
        VERSIONS.map((version) => ({ version, topics: c.topics, userData: c.userData })),
      );
      expect(python.readAssignments).toEqual(
        VERSIONS.map((version) => ({ version, assigned: c.assigned, userData: c.userData })),
      );
    });
  });
});

interface Group {
  assignor: 'range' | 'roundrobin';
  members: Record<string, string[]>;
  counts: Record<string, number>;
}

function toMembers(group: Group): AssignorMember[] {
  return Object.entries(group.members).map(([memberId, topics]) => ({
    memberId,
    groupInstanceId: null,
    subscription: { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null },
  }));
}

describe('range and round-robin assignments against kafka-python', () => {
  test('the same partitions for every member of random groups', () => {
    const rng = new Rng(testSeed(0xa551));
    const dir = tempDir();
    const assignors: Record<Group['assignor'], PartitionAssignor> = {
      range: new RangeAssignor(),
      roundrobin: new RoundRobinAssignor(),
    };
    const groups: Group[] = [];
    for (let i = 0; i < 300; i++) {
      const topics = ['t0', 't1', 't2', 'orders', 'Zeta'].filter(() => !rng.oneIn(3));
      if (topics.length === 0) topics.push('t0');
      const members = Object.fromEntries(
        Array.from({ length: rng.int(1, 7) }, () => {
          const own = topics.filter(() => !rng.oneIn(3));
          return [`consumer-${rng.u32().toString(36)}`, own.length > 0 ? own : [topics[0]!]];
        }),
      );
      // A topic without metadata is subscribed to but not in the counts.
      const counts = Object.fromEntries(topics.filter(() => !rng.oneIn(8)).map((t) => [t, rng.int(1, 12)]));
      groups.push({ assignor: rng.oneIn(2) ? 'range' : 'roundrobin', members, counts });
    }
    writeFileSync(join(dir, 'groups.json'), JSON.stringify(groups));
    const python = runPython<Record<string, string[]>[]>(dir, 'assign.py', PYTHON_ASSIGN, [join(dir, 'groups.json')]);
    groups.forEach((group, i) => {
      const ours = assignors[group.assignor].assign(toMembers(group), new Map(Object.entries(group.counts)));
      const sorted = Object.fromEntries(
        [...ours].map(([id, list]) => [id, list.map((p) => `${p.topic}p${p.partition}`).sort()]),
      );
      const theirs = Object.fromEntries(Object.entries(python[i]!).map(([id, list]) => [id, [...list].sort()]));
      expect(sorted, `group ${i} (${group.assignor})`).toEqual(theirs);
    });
  });
});
