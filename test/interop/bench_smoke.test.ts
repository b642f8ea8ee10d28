/**
 * Every bench suite in smoke mode, including those driving kcat, kafkajs and librdkafka's
 * mock cluster (/usr/bin/python3 with confluent-kafka) and the cluster suite's ZooKeeper
 * (java): the JSON must match the schema and every suite must report. test/bench/results.test.ts runs the fast subset in `npm test`.
 */
import { beforeAll, expect, test } from 'vitest';
import { compileBench, resultsProblems, runSmoke } from '../bench/benchRun.js';

const ALL = [
  'log-append',
  'log-read',
  'recovery',
  'crc32c',
  'varints',
  'records',
  'codecs',
  'embedded',
  'broker',
  'groups',
  'cluster',
  'replication',
];

beforeAll(() => compileBench(), 120_000);

test('all bench suites in smoke mode: every row matches the schema, every suite reports', () => {
  const report = runSmoke(ALL).report as { suites: string[] };
  expect(report.suites).toEqual(ALL);
  expect(resultsProblems(report)).toEqual([]);
}, 300_000);
