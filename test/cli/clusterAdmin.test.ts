/**
 * `tributary leader-election` and `tributary reassign-partitions` (Kafka's
 * kafka-leader-election.sh and kafka-reassign-partitions.sh) as real processes: their command
 * lines checked as LeaderElectionCommandOptions.validate and ReassignPartitionsCommand's
 * validateAndParseArgs check them, the reassignment file as parsePartitionReassignmentData and
 * parseExecuteAssignmentArgs check it (Kafka's messages), and the single node, which serves
 * neither ElectLeaders nor the reassignment APIs (no controller, one replica per partition).
 * On a cluster they run in test/cluster/electionsAndReassignments.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/cli.js';
import { expectUsageErrors, fails, run } from '../helpers/cliExpect.js';
import { tempDir } from '../helpers/tmp.js';

const B = ['--bootstrap', '127.0.0.1:1'];

describe('leader-election', () => {
  it('answers --help and refuses a command line Kafka refuses', async () => {
    const help = await run(['leader-election', '--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: tributary leader-election --election-type preferred\|unclean/);
    await expectUsageErrors([
      [['leader-election', '--all-topic-partitions', ...B], /missing required option --election-type/],
      [
        ['leader-election', '--election-type', 'fast', '--all-topic-partitions', ...B],
        /must be one of preferred, unclean/,
      ],
      [
        ['leader-election', '--election-type', 'preferred', ...B],
        /one and only one of --topic, --all-topic-partitions and --path-to-json-file/,
      ],
      [
        ['leader-election', '--election-type', 'preferred', '--topic', 't', '--path-to-json-file', 'f', ...B],
        /one and only one of --topic, --all-topic-partitions and --path-to-json-file/,
      ],
      [
        ['leader-election', '--election-type', 'preferred', '--topic', 't', ...B],
        /missing required option --partition/,
      ],
      [
        ['leader-election', '--election-type', 'unclean', '--all-topic-partitions', '--partition', '0', ...B],
        /--partition is only allowed with --topic/,
      ],
      [
        ['leader-election', '--election-type', 'unclean', '--topic', 't', '--partition', '-1', ...B],
        /--partition must be/,
      ],
      [
        ['leader-election', '--election-type', 'preferred', '--all-topic-partitions', '--data-dir', tempDir()],
        /give --bootstrap/,
      ],
    ]);
  });
});

describe('reassign-partitions', () => {
  it('answers --help and refuses a command line Kafka refuses', async () => {
    const help = await run(['reassign-partitions', '--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('--reassignment-json-file FILE');
    await expectUsageErrors([
      [['reassign-partitions', ...B], /exactly one action: --execute, --verify, --cancel, --list/],
      [['reassign-partitions', '--list', '--cancel', ...B], /exactly one action/],
      [['reassign-partitions', '--execute', ...B], /--execute needs --reassignment-json-file FILE/],
      [['reassign-partitions', '--cancel', ...B], /--cancel needs --reassignment-json-file FILE/],
      [['reassign-partitions', '--verify', ...B], /--verify needs --reassignment-json-file FILE/],
      [['reassign-partitions', '--list', '--reassignment-json-file', 'f', ...B], /--list takes no/],
      [['reassign-partitions', '--list', '--additional', ...B], /--additional is only allowed with --execute/],
    ]);
  });

  it("refuses the files Kafka's tools refuse, with their messages, before any election or reassignment", async () => {
    const dir = tempDir();
    const broker = await serve(join(dir, 'data'));
    const bootstrap = ['--bootstrap', `127.0.0.1:${broker.port}`];
    const file = join(dir, 'r.json');
    const cases: [unknown, RegExp][] = [
      [{ version: 2, partitions: [] }, /Not supported version field value 2/],
      [{ version: 1, partitions: [] }, /Partition reassignment list cannot be empty/],
      [{ partitions: [{ topic: 't', partition: 0, replicas: [] }] }, /Partition replica list cannot be empty/],
      [
        { partitions: [{ topic: 't', partition: 0, replicas: [1, 1] }] },
        /Partition replica lists may not contain duplicate entries: t-0 contains multiple entries for 1/,
      ],
      [
        {
          partitions: [
            { topic: 't', partition: 0, replicas: [1] },
            { topic: 't', partition: 0, replicas: [2] },
          ],
        },
        /Partition reassignment contains duplicate topic partitions: t-0/,
      ],
      [
        { partitions: [{ topic: 't', partition: 0, replicas: [1, 2], log_dirs: ['any'] }] },
        /Size of replicas list \[1,2\] is different from size of log dirs list \["any"\] for partition t-0/,
      ],
      [{ partitions: [{ topic: 't', partition: 0, replicas: [1], log_dirs: ['/d'] }] }, /log_dirs other than "any"/],
      [{ partitions: [{ topic: 't', partition: '0', replicas: [1] }] }, /"partition" must be an integer/],
    ];
    for (const [content, message] of cases) {
      writeFileSync(file, JSON.stringify(content));
      await fails(['reassign-partitions', '--execute', '--reassignment-json-file', file, ...bootstrap], 1, message);
    }
    writeFileSync(file, '{"partitions": [');
    await fails(
      ['reassign-partitions', '--execute', '--reassignment-json-file', file, ...bootstrap],
      1,
      /not valid JSON/,
    );
    await fails(
      ['reassign-partitions', '--cancel', '--reassignment-json-file', join(dir, 'missing.json'), ...bootstrap],
      1,
      /read .*missing\.json failed/,
    );
    // LeaderElectionCommand.parseReplicaElectionData's checks.
    const elect = ['leader-election', '--election-type', 'preferred', '--path-to-json-file', file, ...bootstrap];
    writeFileSync(file, JSON.stringify({ version: 1 }));
    await fails(elect, 1, /Replica election data is missing "partitions" field/);
    writeFileSync(
      file,
      JSON.stringify({
        partitions: [
          { topic: 't', partition: 1 },
          { topic: 't', partition: 1 },
        ],
      }),
    );
    await fails(elect, 1, /Replica election data contains duplicate partitions: t-1/);
    // The single node has no controller and one replica per partition: it serves neither API.
    await fails(['reassign-partitions', '--list', ...bootstrap], 1, /does not support ListPartitionReassignments/);
    await fails(
      ['leader-election', '--election-type', 'preferred', '--all-topic-partitions', ...bootstrap],
      1,
      /does not support ElectLeaders/,
    );
  });
});
