/**
 * DATA/meta.properties on real files: a single node's version 1, a ZooKeeper cluster broker's
 * version 0 (Kafka 3.8's MetaProperties and MetaPropertiesEnsemble.verify, its messages), a
 * data directory from another cluster refused (ERR_INCONSISTENT_CLUSTER_ID), and a single
 * node's directory joining the cluster it seeded.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadBrokerMetadata,
  loadClusterBrokerMetadata,
  proposedClusterId,
  readMetaProperties,
} from '../../src/broker/BrokerMetadata.js';
import { refusalMessage } from '../helpers/refusal.js';
import { tempDir } from '../helpers/tmp.js';

function dataDirWith(text: string): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'meta.properties'), text);
  return dir;
}

const fileOf = (dir: string) => readFileSync(join(dir, 'meta.properties'), 'utf8');

describe('meta.properties', () => {
  it('a single node writes version 1 with node.id and keeps its cluster id', () => {
    const dir = tempDir();
    const first = loadBrokerMetadata(dir, 3);
    expect(fileOf(dir)).toBe(`version=1\ncluster.id=${first.clusterId}\nnode.id=3\n`);
    expect(loadBrokerMetadata(dir, 3)).toEqual(first);
    expect(refusalMessage('ERR_INCONSISTENT_NODE_ID', () => loadBrokerMetadata(dir, 4))).toMatch(
      /belongs to node 3, not node 4/,
    );
  });

  it("reads Kafka's versions: 0 (version implicit, broker.id optional) and 1 (node.id and cluster.id required)", () => {
    // The file a Kafka 3.8 ZooKeeper-mode broker writes (Properties.store: a comment, a date, hash order).
    const kafka = dataDirWith(
      '#\n#Mon Dec 07 14:00:00 UTC 2026\ncluster.id=Ba7VQEZeQXK4pTsNXd5Gyg\nversion=0\nbroker.id=1\n',
    );
    expect(readMetaProperties(kafka)).toEqual({ version: 0, clusterId: 'Ba7VQEZeQXK4pTsNXd5Gyg', nodeId: 1 });
    expect(readMetaProperties(dataDirWith('broker.id=2\n'))).toEqual({ version: 0, clusterId: null, nodeId: 2 });
    expect(readMetaProperties(tempDir())).toBeNull();
    expect(
      refusalMessage('ERR_CORRUPT_META_PROPERTIES', () => readMetaProperties(dataDirWith('version=1\ncluster.id=x\n'))),
    ).toMatch(/node.id was not found/);
    expect(
      refusalMessage('ERR_CORRUPT_META_PROPERTIES', () => readMetaProperties(dataDirWith('version=1\nnode.id=1\n'))),
    ).toMatch(/cluster.id was not specified in the v1 file/);
    expect(refusalMessage('ERR_CORRUPT_META_PROPERTIES', () => readMetaProperties(dataDirWith('version=2\n')))).toMatch(
      /Unknown meta.properties version number 2/,
    );
    expect(
      refusalMessage('ERR_CORRUPT_META_PROPERTIES', () => readMetaProperties(dataDirWith('broker.id=one\n'))),
    ).toMatch(/Unable to read broker.id as a base-10 number/);
  });

  it('a cluster broker writes version 0 with broker.id and the cluster id, and starts again on it', () => {
    const dir = tempDir();
    expect(loadClusterBrokerMetadata(dir, 'cluster-a', 2)).toEqual({ clusterId: 'cluster-a', nodeId: 2 });
    expect(fileOf(dir)).toBe('version=0\nbroker.id=2\ncluster.id=cluster-a\n');
    expect(loadClusterBrokerMetadata(dir, 'cluster-a', 2)).toEqual({ clusterId: 'cluster-a', nodeId: 2 });
    // A single node refuses it, saying what it is.
    expect(refusalMessage('ERR_CORRUPT_META_PROPERTIES', () => loadBrokerMetadata(dir, 2))).toMatch(
      /broker 2 of the ZooKeeper cluster cluster-a: serve it with --zookeeper/,
    );
  });

  it('refuses a data dir from another cluster with an INCONSISTENT_CLUSTER_ID error, leaving the file alone', () => {
    const dir = tempDir();
    loadClusterBrokerMetadata(dir, 'cluster-a', 2);
    const message = refusalMessage('ERR_INCONSISTENT_CLUSTER_ID', () => loadClusterBrokerMetadata(dir, 'cluster-b', 2));
    expect(message).toBe(
      `Invalid cluster.id in: ${join(dir, 'meta.properties')}. Expected cluster-b, but read cluster-a. The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong.`,
    );
    expect(fileOf(dir)).toBe('version=0\nbroker.id=2\ncluster.id=cluster-a\n');
  });

  it("refuses a stored broker.id that is not the broker's, with Kafka's message", () => {
    const dir = dataDirWith('version=0\nbroker.id=2\ncluster.id=c\n');
    expect(refusalMessage('ERR_INCONSISTENT_NODE_ID', () => loadClusterBrokerMetadata(dir, 'c', 5))).toMatch(
      /^Stored node id 2 doesn't match previous node id 5 in .*meta.properties\. If you moved your data/,
    );
  });

  it('fills in what a version 0 file lacks (Kafka writes cluster.id and broker.id once known)', () => {
    const dir = dataDirWith('version=0\n');
    loadClusterBrokerMetadata(dir, 'c', 1);
    expect(fileOf(dir)).toBe('version=0\nbroker.id=1\ncluster.id=c\n');
  });

  it("a single node's data dir proposes its cluster id, joins the cluster it seeded, and becomes version 0", () => {
    const dir = tempDir();
    const single = loadBrokerMetadata(dir, 1);
    const proposal = proposedClusterId(readMetaProperties(dir));
    expect(proposal).toBe(single.clusterId);
    expect(loadClusterBrokerMetadata(dir, proposal, 1)).toEqual(single);
    expect(fileOf(dir)).toBe(`version=0\nbroker.id=1\ncluster.id=${single.clusterId}\n`);
  });

  it("a single node's data dir pointed at another cluster is refused as any other", () => {
    const dir = tempDir();
    loadBrokerMetadata(dir, 1);
    expect(
      refusalMessage('ERR_INCONSISTENT_CLUSTER_ID', () => loadClusterBrokerMetadata(dir, 'someone-else', 1)),
    ).toMatch(/Expected someone-else, but read/);
    // Without a stored id of its own, a broker proposes a fresh one (CoreUtils.generateUuidAsBase64).
    expect(proposedClusterId(null)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(proposedClusterId({ version: 0, clusterId: 'zk-cluster', nodeId: 1 })).not.toBe('zk-cluster');
  });
});
