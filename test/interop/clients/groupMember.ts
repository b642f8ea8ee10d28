/**
 * Consumer-group members as interop clients, all behind one GroupMember: a child process
 * running group_member.py (confluent-kafka-python 1.7.0 / librdkafka 2.0.2, or kafka-python
 * 2.0.2), or kafkajs 2.2.4's group consumer in this process. Each records what it was
 * assigned and every record it read; stop() closes it cleanly (commit, LeaveGroup).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import KafkaJS, { type PartitionAssigner } from 'kafkajs';
import { pythonEnv, SYSTEM_PYTHON } from '../support.js';

export type PythonGroupLibrary = 'confluent' | 'kafka-python';

export interface GroupMemberSettings {
  bootstrap: string;
  topic: string;
  groupId: string;
  sessionTimeoutMs: number;
  /** Assignment strategies offered in JoinGroup, by their protocol names ('range', 'roundrobin'). */
  assignors: string[];
}

export interface ConsumedRecord {
  partition: number;
  offset: number;
  /** UTF-8, null for none. */
  key: string | null;
  value: string;
}

export interface GroupMember {
  readonly name: string;
  /** The partitions of the latest assignment ([] before the first and after a revocation). */
  assigned(): number[];
  readonly records: ConsumedRecord[];
  /** Commits a rebalance overtook (their records may be read again by whoever gets the partition). */
  readonly commitFailures: string[];
  /** Its assignment, how many records it read, and how it failed if it did: for error messages. */
  status(): string;
  stop(): Promise<void>;
}

type MemberEvent =
  | { event: 'assigned' | 'revoked'; partitions: number[] }
  | ({ event: 'record' } & ConsumedRecord)
  | { event: 'commit-failed'; error: string }
  | { event: 'closed' };

/** Members still running when this process exits are killed, not left in their groups. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'group_member.py');
const STOP_TIMEOUT_MS = 15_000;
const HEARTBEAT_MS = 300;

/** What a member has been told so far, fed by its events. */
class MemberState {
  partitions: number[] = [];
  readonly records: ConsumedRecord[] = [];
  readonly commitFailures: string[] = [];

  apply(event: MemberEvent): void {
    if (event.event === 'assigned') this.partitions = [...event.partitions].sort((a, b) => a - b);
    else if (event.event === 'revoked') this.partitions = [];
    else if (event.event === 'record')
      this.records.push({ partition: event.partition, offset: event.offset, key: event.key, value: event.value });
    else if (event.event === 'commit-failed') this.commitFailures.push(event.error);
  }

  status(name: string): string {
    return `${name}: partitions [${this.partitions.join(',')}], ${this.records.length} records`;
  }
}

/** Starts group_member.py with the system Python; it joins the group on its own. */
export function startPythonMember(library: PythonGroupLibrary, settings: GroupMemberSettings): GroupMember {
  const child = spawn(SYSTEM_PYTHON, ['-I', SCRIPT], { env: pythonEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const state = new MemberState();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  createInterface({ input: child.stdout }).on('line', (line) => state.apply(JSON.parse(line) as MemberEvent));
  child.stdin.on('error', () => undefined);
  children.add(child);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  child.stdin.write(`${JSON.stringify({ library, ...settings })}\n`);
  return {
    name: library,
    assigned: () => state.partitions,
    records: state.records,
    commitFailures: state.commitFailures,
    status: () =>
      state.status(library) + (exitCode === undefined ? '' : `, exited with ${exitCode ?? 'a signal'}:\n${stderr}`),
    stop: async () => {
      child.stdin.end('stop\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      children.delete(child);
      if (code !== 0) throw new Error(`group_member.py (${library}) exited with ${code ?? 'a signal'}:\n${stderr}`);
    },
  };
}

/** kafkajs' round-robin assigner under the protocol name librdkafka and kafka-python use for theirs. */
function renamedRoundRobin(name: string): PartitionAssigner {
  return (config) => ({ ...KafkaJS.PartitionAssigners.roundRobin(config), name });
}

const KAFKAJS_ASSIGNORS: Readonly<Record<string, PartitionAssigner>> = {
  RoundRobinAssigner: KafkaJS.PartitionAssigners.roundRobin,
  roundrobin: renamedRoundRobin('roundrobin'),
};

function kafkajsAssignor(name: string): PartitionAssigner {
  const assignor = KAFKAJS_ASSIGNORS[name];
  if (assignor === undefined) throw new Error(`no kafkajs assignor offered as ${name}`);
  return assignor;
}

/** kafkajs' consumer, committing after each batch it hands over. */
export async function startKafkajsMember(settings: GroupMemberSettings): Promise<GroupMember> {
  const kafka = new KafkaJS.Kafka({
    clientId: 'interop-group-kafkajs',
    brokers: [settings.bootstrap],
    logLevel: KafkaJS.logLevel.NOTHING,
  });
  const consumer = kafka.consumer({
    groupId: settings.groupId,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: HEARTBEAT_MS,
    maxWaitTimeInMs: 100,
    partitionAssigners: settings.assignors.map(kafkajsAssignor),
  });
  const state = new MemberState();
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    state.apply({ event: 'assigned', partitions: payload.memberAssignment[settings.topic] ?? [] }),
  );
  await consumer.connect();
  await consumer.subscribe({ topics: [settings.topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      state.apply({
        event: 'record',
        partition,
        offset: Number(message.offset),
        key: message.key === null ? null : String(message.key),
        value: String(message.value),
      });
      await consumer.commitOffsets([{ topic: settings.topic, partition, offset: String(Number(message.offset) + 1) }]);
    },
  });
  return {
    name: 'kafkajs',
    assigned: () => state.partitions,
    records: state.records,
    commitFailures: state.commitFailures,
    status: () => state.status('kafkajs'),
    stop: () => consumer.disconnect(),
  };
}
