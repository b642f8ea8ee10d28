/**
 * TopicRegistry: the topics of a data directory (name, id, partition count, config
 * overrides), kept in DATA/topics.json and rewritten atomically on every change (once
 * for a batch of new topics), so a crash leaves the old set of topics or the new one. The registry is the truth: a
 * partition directory it does not claim is left over from an interrupted delete.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError } from '../errors.js';
import { writeFileAtomic } from '../io/DurableFile.js';
import { parsePartitionDirName, parseSegmentFileName, type TopicPartition } from '../log/LogFileNames.js';

export const TOPICS_FILE = 'topics.json';
const VERSION = 1;

export interface TopicMetadata {
  readonly name: string;
  /** Kafka's topic id: 16 random bytes in URL-safe base64 without padding (Uuid.toString). */
  readonly id: string;
  readonly partitions: number;
  /** Overrides only, normalized, by Kafka config name. */
  readonly config: Readonly<Record<string, string>>;
}

/** A random topic id as Kafka makes one (Uuid.randomUuid): never all zeros, never starting with '-'. */
export function newTopicId(): string {
  for (;;) {
    const bytes = randomBytes(16);
    const id = bytes.toString('base64url');
    if (!id.startsWith('-') && bytes.some((b) => b !== 0)) return id;
  }
}

export class TopicRegistry {
  private readonly topics: Map<string, TopicMetadata>;

  private constructor(
    private readonly path: string,
    topics: TopicMetadata[],
  ) {
    this.topics = new Map(topics.map((t) => [t.name, t]));
  }

  /** Loads the registry of `dataDir`; a missing file is an empty registry. */
  static open(dataDir: string): TopicRegistry {
    const path = join(dataDir, TOPICS_FILE);
    return new TopicRegistry(path, TopicRegistry.read(path));
  }

  private static read(path: string): TopicMetadata[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const corrupt = (why: string) =>
      new TributaryError(`topic registry ${path}: ${why}`, 'ERR_CORRUPT_TOPIC_REGISTRY', { path });
    let parsed: { version?: unknown; topics?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (error) {
      throw corrupt((error as Error).message);
    }
    if (parsed.version !== VERSION) throw corrupt(`unknown version ${String(parsed.version)}`);
    if (!Array.isArray(parsed.topics)) throw corrupt('no topic list');
    return parsed.topics.map((t: unknown) => {
      if (!isTopicMetadata(t)) throw corrupt(`bad entry ${JSON.stringify(t)}`);
      return t;
    });
  }

  get(name: string): TopicMetadata | undefined {
    return this.topics.get(name);
  }

  names(): string[] {
    return [...this.topics.keys()].sort();
  }

  all(): TopicMetadata[] {
    return [...this.topics.values()];
  }

  /** Adds or replaces `topic` and persists the registry before returning. */
  put(topic: TopicMetadata): void {
    const previous = this.topics.get(topic.name);
    this.topics.set(topic.name, topic);
    this.persistOrRestore(topic.name, previous);
  }

  /** Adds `topics` (new names) and persists the registry once; on failure none is added. */
  addAll(topics: TopicMetadata[]): void {
    for (const topic of topics) this.topics.set(topic.name, topic);
    try {
      this.persist();
    } catch (error) {
      for (const topic of topics) this.topics.delete(topic.name);
      throw error;
    }
  }

  /** Removes `name` and persists the registry before returning. */
  remove(name: string): void {
    const previous = this.topics.get(name);
    this.topics.delete(name);
    this.persistOrRestore(name, previous);
  }

  private persist(): void {
    const topics = this.names().map((n) => this.topics.get(n));
    writeFileAtomic(this.path, `${JSON.stringify({ version: VERSION, topics }, null, 1)}\n`);
  }

  private persistOrRestore(name: string, previous: TopicMetadata | undefined): void {
    try {
      this.persist();
    } catch (error) {
      if (previous === undefined) this.topics.delete(name);
      else this.topics.set(name, previous);
      throw error;
    }
  }
}

function isTopicMetadata(t: unknown): t is TopicMetadata {
  if (typeof t !== 'object' || t === null) return false;
  const { name, id, partitions, config } = t as Record<string, unknown>;
  return (
    typeof name === 'string' &&
    typeof id === 'string' &&
    Number.isSafeInteger(partitions) &&
    (partitions as number) > 0 &&
    typeof config === 'object' &&
    config !== null &&
    Object.values(config).every((v) => typeof v === 'string')
  );
}

/**
 * Removes partition logs no topic claims (left by a creation or a deleteTopic a crash
 * interrupted), recognised by their segment files: any other directory is the user's and stays.
 */
export function deleteUnclaimedLogs(dataDir: string, registry: TopicRegistry): void {
  const claimed = (tp: TopicPartition) => tp.partition < (registry.get(tp.topic)?.partitions ?? 0);
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    const tp = entry.isDirectory() ? parsePartitionDirName(entry.name) : null;
    if (tp === null || claimed(tp)) continue;
    const dir = join(dataDir, entry.name);
    if (readdirSync(dir).some((name) => parseSegmentFileName(name)?.kind === 'log'))
      rmSync(dir, { recursive: true, force: true });
  }
}
