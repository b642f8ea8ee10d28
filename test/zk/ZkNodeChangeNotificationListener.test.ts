/**
 * ZkNodeChangeNotificationListener against a real ZooKeeper, after Kafka's
 * ZkNodeChangeNotificationListenerTest (testProcessNotification, testSwallowsProcessorException):
 * the notifications there at init are handled, then each new one once and in order; a handler's
 * failure does not stop the next; and the purge (which Kafka's test leaves out: "There is no
 * easy way to test purging"): with changeExpirationMs of 1 s, the pass after a later change
 * deletes the notifications created more than 1 s before it and keeps the new one.
 */
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { KafkaZkClient } from '../../src/zk/KafkaZkClient.js';
import { CONFIG_CHANGE_PREFIX, decodeConfigChange } from '../../src/zk/ZkData.js';
import { ZkNodeChangeNotificationListener } from '../../src/zk/ZkNodeChangeNotificationListener.js';
import { CONFIG_CHANGES_PATH } from '../../src/zk/ZkPaths.js';
import { ZooKeeperClient } from '../../src/zk/ZooKeeperClient.js';
import { eventually } from '../helpers/cluster.js';
import { ZooKeeperServer } from '../helpers/zookeeper.js';

let server: ZooKeeperServer;
let chroot = 0;
const closing: (() => Promise<void>)[] = [];
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  server = await ZooKeeperServer.standalone();
});
afterAll(async () => {
  await server.destroy();
});
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

async function client(): Promise<KafkaZkClient> {
  const zooKeeper = await ZooKeeperClient.connect({ connect: `${server.connectString}/n${++chroot}` });
  closing.push(() => zooKeeper.close());
  const zk = new KafkaZkClient(zooKeeper);
  await zk.createTopLevelPaths();
  return zk;
}

/** A listener on /config/changes whose handler records the topic each notification names, failing on `failOn`. */
async function listen(zk: KafkaZkClient, changeExpirationMs?: number, failOn?: string): Promise<string[]> {
  const received: string[] = [];
  const listener = new ZkNodeChangeNotificationListener(zk.zooKeeperClient, {
    seqNodeRoot: CONFIG_CHANGES_PATH,
    seqNodePrefix: CONFIG_CHANGE_PREFIX,
    logger: quiet,
    changeExpirationMs,
    handler: {
      processNotification(data, notification) {
        const { name } = decodeConfigChange(notification, data);
        received.push(name);
        if (name === failOn) throw new Error('Oh no, my processing failed!');
      },
    },
  });
  closing.push(() => listener.close());
  await listener.init();
  return received;
}

const notify = (zk: KafkaZkClient, topic: string) => zk.createConfigChangeNotification({ type: 'topics', name: topic });

test('the notifications at init, then each new one once and in order; a failing handler does not stop the next', async () => {
  const zk = await client();
  await notify(zk, 'before-1');
  await notify(zk, 'before-2');
  const received = await listen(zk, undefined, 'b');
  // ZkConfigManager re-processes every notification at start (lastExecutedChange -1).
  expect(received).toEqual(['before-1', 'before-2']);
  await notify(zk, 'a');
  await eventually(
    async () => received.length,
    (n) => n === 3,
  );
  for (const name of ['b', 'c', 'd', 'e']) await notify(zk, name);
  await eventually(
    async () => [...received],
    (r) => r.length === 7,
  );
  expect(received).toEqual(['before-1', 'before-2', 'a', 'b', 'c', 'd', 'e']);
});

test('a pass deletes the notifications older than changeExpirationMs and keeps the newer', async () => {
  const zk = await client();
  const children = async () => {
    const response = await zk.zooKeeperClient.getChildren(CONFIG_CHANGES_PATH, false);
    return response.code === 'OK' ? [...response.children].sort() : [];
  };
  const received = await listen(zk, 1000);
  await notify(zk, 'old-1');
  await notify(zk, 'old-2');
  await eventually(
    async () => received.length,
    (n) => n === 2,
  );
  const old = await children();
  expect(old).toHaveLength(2);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await notify(zk, 'new');
  const left = await eventually(children, (c) => c.length === 1);
  expect(received).toEqual(['old-1', 'old-2', 'new']);
  expect(old).not.toContain(left[0]);
  expect(left[0]).toMatch(/^config_change_\d{10}$/);
});
