/**
 * BrokerMetadata: DATA/meta.properties, as Kafka keeps it: the cluster id made when the
 * data directory first served, and the node id it served as. A data directory moved
 * under another node id is refused, as Kafka refuses it.
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

function readExisting(path: string): Record<string, string> | null {
  try {
    return parseProperties(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Reads meta.properties, writing it (with a new cluster id) on first start. */
export function loadBrokerMetadata(dataDir: string, nodeId: number): BrokerMetadata {
  const path = join(dataDir, META_PROPERTIES);
  const existing = readExisting(path);
  if (existing === null) {
    const clusterId = randomBytes(16).toString('base64url');
    writeFileAtomic(path, `version=1\ncluster.id=${clusterId}\nnode.id=${nodeId}\n`);
    return { clusterId, nodeId };
  }
  const clusterId = existing['cluster.id'];
  const stored = Number(existing['node.id']);
  if (clusterId === undefined || !Number.isSafeInteger(stored)) {
    throw new TributaryError(`${path} has no cluster.id or node.id`, 'ERR_CORRUPT_META_PROPERTIES', { path });
  }
  if (stored !== nodeId) {
    throw new TributaryError(`${path} belongs to node ${stored}, not node ${nodeId}`, 'ERR_INCONSISTENT_NODE_ID', {
      path,
    });
  }
  return { clusterId, nodeId };
}
