import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { newTopicId, TOPICS_FILE, TopicRegistry } from '../../src/engine/TopicRegistry.js';
import { tempDir } from '../helpers/tmp.js';

describe('TopicRegistry', () => {
  test('every change is on disk when it returns, and is read back by the next open', () => {
    const dir = tempDir();
    const registry = TopicRegistry.open(dir);
    expect(registry.names()).toEqual([]);
    registry.put({ name: 'b', id: newTopicId(), partitions: 3, config: { 'retention.ms': '5' } });
    registry.put({ name: 'a', id: newTopicId(), partitions: 1, config: {} });
    expect(TopicRegistry.open(dir).all()).toEqual([registry.get('a'), registry.get('b')]);
    registry.remove('b');
    const reread = TopicRegistry.open(dir);
    expect(reread.names()).toEqual(['a']);
    expect(reread.get('a')).toEqual(registry.get('a'));
    expect(readdirSync(dir)).toEqual([TOPICS_FILE]); // no temp file left
    expect(JSON.parse(readFileSync(join(dir, TOPICS_FILE), 'utf8'))).toMatchObject({
      version: 1,
      topics: [{ name: 'a' }],
    });
  });

  test('topic ids are 16 random bytes in base64url, as Kafka prints a Uuid', () => {
    const ids = Array.from({ length: 1000 }, newTopicId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url').length).toBe(16);
    }
  });
});
