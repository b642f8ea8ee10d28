/**
 * BrokerMetadata: DATA/meta.properties, as Kafka keeps it (MetaProperties,
 * MetaPropertiesEnsemble): the cluster id and the node id the data directory served as.
 * A single node writes version 1 (`node.id`, KRaft's); a broker of a ZooKeeper cluster
 * version 0 (`broker.id`), as Kafka 3.8's ZooKeeper-mode KafkaServer does. A data directory
 * moved under another node id, or into another cluster, is refused, as Kafka refuses it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError } from '../errors.js';
import { writeFileAtomic } from '../io/DurableFile.js';
import { parseProperties } from './BrokerConfig.js';

export const META_PROPERTIES = 'meta.properties';

export interface BrokerMetadata {
  clusterId: string;
  nodeId: number;
}

/** What a meta.properties holds (Kafka's MetaProperties, without the directory id tributary has no use for). */
export interface MetaProperties {
  /** 0: a ZooKeeper-mode broker's (broker.id); 1: KRaft's and a single node's (node.id). */
  readonly version: 0 | 1;
  readonly clusterId: string | null;
  readonly nodeId: number | null;
}

function corrupt(path: string, problem: string): TributaryError {
  return new TributaryError(`${path}: ${problem}`, 'ERR_CORRUPT_META_PROPERTIES', { path });
}

/** PropertiesUtils.loadRequiredIntProp's rules for an id that may be absent. */
function idOf(path: string, props: Record<string, string>, key: string): number | null {
  const text = props[key];
  if (text === undefined) return null;
  const id = Number(text);
  if (!/^[-+]?\d+$/.test(text) || id < -(2 ** 31) || id > 2 ** 31 - 1)
    throw corrupt(path, `Unable to read ${key} as a base-10 number.`);
  return id;
}

/** MetaProperties.Builder(Properties): version 0 when absent; version 1 needs node.id and cluster.id. */
function metaPropertiesOf(path: string, props: Record<string, string>): MetaProperties {
  const versionText = props.version ?? '0';
  if (versionText !== '0' && versionText !== '1')
    throw corrupt(path, `Unknown meta.properties version number ${versionText}`);
  const version = versionText === '0' ? 0 : 1;
  const nodeId = idOf(path, props, version === 0 ? 'broker.id' : 'node.id');
  const clusterId = props['cluster.id'] ?? null;
  if (version === 1 && nodeId === null) throw corrupt(path, 'node.id was not found.');
  if (version === 1 && clusterId === null) throw corrupt(path, `cluster.id was not specified in the v1 file: ${path}`);
  return { version, clusterId, nodeId };
}

/** Reads DATA/meta.properties; null when the data directory has none yet. */
export function readMetaProperties(dataDir: string): MetaProperties | null {
  const path = join(dataDir, META_PROPERTIES);
  try {
    return metaPropertiesOf(path, parseProperties(readFileSync(path, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Kafka's CoreUtils.generateUuidAsBase64: 16 random bytes, base64url. */
function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

/** Reads meta.properties of a single node, writing it (version 1, a new cluster id) on first start. */
export function loadBrokerMetadata(dataDir: string, nodeId: number): BrokerMetadata {
  const path = join(dataDir, META_PROPERTIES);
  const existing = readMetaProperties(dataDir);
  if (existing === null) {
    const clusterId = newClusterId();
    writeFileAtomic(path, `version=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\n`);
    return { clusterId, nodeId };
  }
  if (existing.version === 0)
    throw corrupt(
      path,
      `the data directory of broker ${existing.nodeId ?? '(none)'} of the ZooKeeper cluster ${existing.clusterId ?? '(none)'}: serve it with --zookeeper`,
    );
  if (existing.nodeId !== nodeId) {
    throw new TributaryError(
      `${path} belongs to node ${existing.nodeId}, not node ${nodeId}`,
      'ERR_INCONSISTENT_NODE_ID',
      {
        path,
      },
    );
  }
  return { clusterId: existing.clusterId!, nodeId };
}

/**
 * The cluster id a broker proposes for /cluster/id when ZooKeeper has none yet
 * (KafkaZkClient.createOrGetClusterId): a new one, as Kafka's KafkaServer.getOrGenerateClusterId,
 * except that a single node's data directory (version 1) proposes its own, so that the first
 * broker of a cluster can be yesterday's single node, with its data.
 */
export function proposedClusterId(stored: MetaProperties | null): string {
  return stored?.version === 1 ? stored.clusterId! : newClusterId();
}

/**
 * KafkaServer's start in ZooKeeper mode: MetaPropertiesEnsemble.verify against the cluster's
 * id (from /cluster/id) and the broker's, then meta.properties written as version 0 with both.
 * `brokerId` is the id the broker runs as: configured, else the stored one, else generated
 * (KafkaServer.getOrGenerateBrokerId), so a stored id is checked against it.
 *
 * A version 1 file (a single node's) is taken, where Kafka (REQUIRE_V0) refuses any version
 * but 0: tributary's single node writes version 1, and a single node that seeded the cluster
 * (proposedClusterId) or that the operator points at the cluster it belongs to keeps its data;
 * its ids are held to the same checks, and it is rewritten as version 0.
 */
export function loadClusterBrokerMetadata(dataDir: string, clusterId: string, brokerId: number): BrokerMetadata {
  const path = join(dataDir, META_PROPERTIES);
  const stored = readMetaProperties(dataDir);
  if (stored?.clusterId != null && stored.clusterId !== clusterId)
    throw new TributaryError(
      `Invalid cluster.id in: ${path}. Expected ${clusterId}, but read ${stored.clusterId}. The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong.`,
      'ERR_INCONSISTENT_CLUSTER_ID',
      { path },
    );
  if (stored?.nodeId != null && stored.nodeId !== brokerId)
    throw new TributaryError(
      `Stored node id ${stored.nodeId} doesn't match previous node id ${brokerId} in ${path}. If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories.`,
      'ERR_INCONSISTENT_NODE_ID',
      { path },
    );
  if (stored?.version !== 0 || stored.clusterId === null || stored.nodeId === null)
    writeFileAtomic(path, `version=0\nbroker.id=${brokerId}\ncluster.id=${clusterId}\n`);
  return { clusterId, nodeId: brokerId };
}
