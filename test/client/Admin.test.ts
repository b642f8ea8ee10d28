/**
 * Admin's arguments: each refused with ERR_INVALID_ARGUMENT naming the argument, the type
 * it must have and what was given. Configs are strings, as Kafka's Admin takes them
 * (NewTopic.configs and ConfigEntry are Map<String, String>): a number is refused, not
 * converted.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Tributary } from '../../src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { refusal } from '../helpers/refusal.js';

let t: Tributary;
beforeEach(async () => {
  t = await Tributary.open({ dataDir: tempDir() });
  await t.admin.createTopic('t');
});
afterEach(() => t.close());

type Call = (admin: Tributary['admin']) => Promise<unknown>;

describe('Admin arguments', () => {
  test.each<[string, Call, string]>([
    [
      'createTopic name',
      (a) => a.createTopic(42 as never),
      'createTopic: name must be a non-empty string, got number 42',
    ],
    ['createTopic empty name', (a) => a.createTopic(''), "createTopic: name must be a non-empty string, got string ''"],
    ['createTopic spec', (a) => a.createTopic('x', 3 as never), 'createTopic: topic must be an object, got number 3'],
    [
      'createTopic partitions',
      (a) => a.createTopic('x', { partitions: '3' as never }),
      "createTopic: partitions must be a positive integer, got string '3'",
    ],
    [
      'createTopic config value',
      (a) => a.createTopic('x', { config: { 'retention.ms': 1000 as never } }),
      "createTopic: config['retention.ms'] must be a string, got number 1000",
    ],
    [
      'createTopic config',
      (a) => a.createTopic('x', { config: ['a'] as never }),
      'createTopic: config must be an object, got an array',
    ],
    [
      'deleteTopic name',
      (a) => a.deleteTopic(undefined as never),
      'deleteTopic: name must be a non-empty string, got undefined',
    ],
    [
      'describeTopic name',
      (a) => a.describeTopic(null as never),
      'describeTopic: name must be a non-empty string, got null',
    ],
    [
      'createPartitions totalCount',
      (a) => a.createPartitions('t', '4' as never),
      "createPartitions: totalCount must be a positive integer, got string '4'",
    ],
    [
      'alterTopicConfig value',
      (a) => a.alterTopicConfig('t', { 'retention.ms': 5 as never }),
      "alterTopicConfig: config['retention.ms'] must be a string or null, got number 5",
    ],
    [
      'deleteRecords list',
      (a) => a.deleteRecords('t' as never),
      "deleteRecords: requests must be an array, got string 't'",
    ],
    [
      'deleteRecords partition',
      (a) => a.deleteRecords([{ topic: 't', partition: '0' as never, offset: 0 }]),
      "deleteRecords: partition must be a non-negative integer, got string '0'",
    ],
  ])('%s', async (_, call, message) => {
    expect(await refusal(() => call(t.admin))).toEqual({ code: 'ERR_INVALID_ARGUMENT', message });
  });

  test('string configs and a null removal are taken', async () => {
    await t.admin.createTopic('x', { partitions: 2, config: { 'retention.ms': '1000' } });
    expect((await t.admin.alterTopicConfig('x', { 'retention.ms': null })).config['retention.ms']).not.toBe('1000');
  });
});
