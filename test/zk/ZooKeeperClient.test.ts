/**
 * ZooKeeperClient against real ZooKeeper 3.8 servers (test/helpers/zookeeper.ts): the
 * behaviour of Kafka's kafka.zookeeper.ZooKeeperClient (ZooKeeperClientTest.scala is the
 * model: testZNodeChangeHandlerForCreation/Deletion/DataChange, testSessionExpiry,
 * testReinitializeAfterAuthFailure's handlers, testConnectionTimeout) and of the
 * KafkaZkClient pieces it carries (conditional writes, checkAndSet through multi, chroot).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { isTributaryError } from '../../src/errors.js';
import {
  MATCH_ANY_VERSION,
  ZooKeeperClient,
  maybeThrow,
  type ZooKeeperClientOptions,
} from '../../src/zk/ZooKeeperClient.js';
import { ZooKeeperEnsemble, ZooKeeperServer, expireSession, freePort, serverOfSession } from '../helpers/zookeeper.js';

const bytes = (text: string) => Buffer.from(text);
const opened: ZooKeeperClient[] = [];

async function open(options: ZooKeeperClientOptions): Promise<ZooKeeperClient> {
  const client = await ZooKeeperClient.connect({ sessionTimeoutMs: 4000, ...options });
  opened.push(client);
  return client;
}

/** Resolves when `check` holds, polling; fails the test past `timeoutMs`. */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((client) => client.close()));
});

describe('ZooKeeperClient on a standalone server', () => {
  let server: ZooKeeperServer;
  beforeAll(async () => {
    server = await ZooKeeperServer.standalone();
  });
  afterAll(async () => {
    await server.destroy();
  });

  let n = 0;
  /** A fresh root per test, so tests do not see each other's znodes. */
  async function root(client: ZooKeeperClient): Promise<string> {
    const path = `/t${++n}`;
    maybeThrow(await client.create(path, bytes('')), path);
    return path;
  }

  test('create, read, conditional setData and delete with versions', async () => {
    const zk = await open({ connect: server.connectString });
    const base = await root(zk);

    expect(await zk.create(`${base}/a`, bytes('one'))).toEqual({ code: 'OK', name: `${base}/a` });
    expect(await zk.create(`${base}/a`, bytes('again'))).toEqual({ code: 'NODEEXISTS' });
    expect(await zk.create(`${base}/missing/a`, bytes(''))).toEqual({ code: 'NONODE' });

    const read = await zk.getData(`${base}/a`);
    maybeThrow(read, `${base}/a`);
    expect(read.data.toString()).toBe('one');
    expect(read.stat).toMatchObject({ version: 0, dataLength: 3, numChildren: 0, ephemeralOwner: 0n });

    // Kafka's conditional updates (KafkaZkClient.conditionalUpdatePath): the expected version or BADVERSION.
    const set = await zk.setData(`${base}/a`, bytes('two'), 0);
    expect(set).toMatchObject({ code: 'OK', stat: { version: 1 } });
    expect(await zk.setData(`${base}/a`, bytes('stale'), 0)).toEqual({ code: 'BADVERSION' });
    expect(await zk.setData(`${base}/missing`, bytes(''), MATCH_ANY_VERSION)).toEqual({ code: 'NONODE' });
    expect((await zk.getData(`${base}/a`)).code === 'OK' && (await zk.getData(`${base}/a`))).toMatchObject({
      data: bytes('two'),
      stat: { version: 1 },
    });

    const thrown = await rejection(Promise.resolve().then(() => maybeThrow({ code: 'BADVERSION' }, `${base}/a`)));
    expect(isTributaryError(thrown, 'ERR_ZK_BAD_VERSION')).toBe(true);

    maybeThrow(await zk.create(`${base}/a/child`, bytes('')), `${base}/a/child`);
    expect(await zk.delete(`${base}/a`, MATCH_ANY_VERSION)).toEqual({ code: 'NOTEMPTY' });
    expect(await zk.delete(`${base}/a/child`, 7)).toEqual({ code: 'BADVERSION' });
    expect(await zk.delete(`${base}/a/child`, 0)).toEqual({ code: 'OK' });
    expect(await zk.delete(`${base}/a`, 1)).toEqual({ code: 'OK' });
    expect(await zk.exists(`${base}/a`)).toEqual({ code: 'NONODE' });
    expect(await zk.delete(`${base}/a`, MATCH_ANY_VERSION)).toEqual({ code: 'NONODE' });
  });

  test('sequential and ephemeral znodes; children listed; an ephemeral goes with its session', async () => {
    const zk = await open({ connect: server.connectString });
    const other = await open({ connect: server.connectString });
    const base = await root(zk);

    const first = await zk.create(`${base}/seq-`, bytes(''), 'PERSISTENT_SEQUENTIAL');
    const second = await zk.create(`${base}/seq-`, bytes(''), 'EPHEMERAL_SEQUENTIAL');
    // ZooKeeper appends the parent's cversion, 10 digits wide.
    expect(first).toEqual({ code: 'OK', name: `${base}/seq-0000000000` });
    expect(second).toEqual({ code: 'OK', name: `${base}/seq-0000000001` });

    maybeThrow(await zk.create(`${base}/eph`, bytes('broker'), 'EPHEMERAL'), `${base}/eph`);
    expect(await zk.create(`${base}/eph/child`, bytes(''))).toEqual({ code: 'NOCHILDRENFOREPHEMERALS' });
    const eph = await other.exists(`${base}/eph`);
    expect(eph).toMatchObject({ code: 'OK', stat: { ephemeralOwner: zk.sessionId } });
    expect(zk.sessionId).not.toBe(0n);

    const children = await other.getChildren(base);
    maybeThrow(children, base);
    expect([...children.children].sort()).toEqual(['eph', 'seq-0000000000', 'seq-0000000001']);
    expect(children.stat.numChildren).toBe(3);
    expect(await other.getChildren(`${base}/missing`)).toEqual({ code: 'NONODE' });

    await zk.close();
    expect(await other.exists(`${base}/eph`)).toEqual({ code: 'NONODE' });
    expect(await other.exists(`${base}/seq-0000000001`)).toEqual({ code: 'NONODE' });
    expect(await other.exists(`${base}/seq-0000000000`)).toMatchObject({ code: 'OK' });
    expect(isTributaryError(await rejection(zk.exists(base)), 'ERR_ZK_CLOSED')).toBe(true);
  });

  test('multi: a failing check (even of version 0) applies nothing; a passing one applies all', async () => {
    const zk = await open({ connect: server.connectString });
    const base = await root(zk);
    const epoch = `${base}/controller_epoch`;
    maybeThrow(await zk.create(epoch, bytes('1')), epoch);
    maybeThrow(await zk.create(`${base}/state`, bytes('old')), `${base}/state`);
    maybeThrow(await zk.setData(epoch, bytes('2'), 0), epoch); // now at version 1

    // Kafka's checkAndSet: CheckOp on /controller_epoch's version, then the writes.
    const ops = (epochVersion: number) =>
      [
        { type: 'check', path: epoch, version: epochVersion },
        { type: 'setData', path: `${base}/state`, data: bytes('new'), version: 0 },
        { type: 'create', path: `${base}/created`, data: bytes('x'), mode: 'PERSISTENT' },
      ] as const;
    expect(await zk.multi(ops(0))).toEqual({ code: 'BADVERSION', failedOp: 0 });
    expect(await zk.multi(ops(5))).toEqual({ code: 'BADVERSION', failedOp: 0 });
    expect(await zk.exists(`${base}/created`)).toEqual({ code: 'NONODE' });
    expect(await zk.getData(`${base}/state`)).toMatchObject({ data: bytes('old'), stat: { version: 0 } });

    const applied = await zk.multi(ops(1));
    expect(applied).toMatchObject({
      code: 'OK',
      results: [
        { type: 'check' },
        { type: 'setData', stat: { version: 1 } },
        { type: 'create', name: `${base}/created` },
      ],
    });
    // A later op failing undoes the earlier ones.
    const late = await zk.multi([
      { type: 'delete', path: `${base}/created`, version: 0 },
      { type: 'create', path: `${base}/state`, data: bytes(''), mode: 'PERSISTENT' },
    ]);
    expect(late).toEqual({ code: 'NODEEXISTS', failedOp: 1 });
    expect(await zk.exists(`${base}/created`)).toMatchObject({ code: 'OK' });
  });

  test('a chroot in the connect string is created when missing and roots every path', async () => {
    const plain = await open({ connect: server.connectString });
    const chroot = `/kafka-${++n}/cluster`;
    expect(await plain.exists(chroot)).toEqual({ code: 'NONODE' });

    const zk = await open({ connect: `${server.connectString}${chroot}` });
    expect(await plain.exists(chroot)).toMatchObject({ code: 'OK' });
    await zk.makeSurePersistentPathExists('/brokers/ids');
    maybeThrow(await zk.create('/brokers/ids/1', bytes('{}'), 'EPHEMERAL'), '/brokers/ids/1');
    expect(await zk.getChildren('/brokers/ids')).toMatchObject({ code: 'OK', children: ['1'] });
    expect(await plain.getChildren(`${chroot}/brokers/ids`)).toMatchObject({ code: 'OK', children: ['1'] });
    expect(await plain.exists('/brokers')).toEqual({ code: 'NONODE' });
  });

  test('watches: armed by reads of a registered path, one-shot, re-armed by the next read', async () => {
    const zk = await open({ connect: server.connectString });
    const writer = await open({ connect: server.connectString });
    const base = await root(zk);
    const path = `${base}/controller`;
    const events: string[] = [];
    zk.registerZNodeChangeHandler({
      path,
      handleCreation: () => events.push('created'),
      handleDeletion: () => events.push('deleted'),
      handleDataChange: () => events.push('changed'),
    });
    zk.registerZNodeChildChangeHandler({ path: base, handleChildChange: () => events.push('children') });

    // exists of a missing path watches its creation (Kafka's controller election does this).
    expect(await zk.exists(path)).toEqual({ code: 'NONODE' });
    maybeThrow(await writer.create(path, bytes('1')), path);
    await eventually(() => events.includes('created'));

    await zk.getData(path);
    await writer.setData(path, bytes('2'), MATCH_ANY_VERSION);
    await eventually(() => events.includes('changed'));
    // One-shot: without a read in between, the next change is not reported.
    await writer.setData(path, bytes('3'), MATCH_ANY_VERSION);
    await zk.getChildren(base, false); // a read without the watch flag
    await writer.create(`${base}/other`, bytes(''));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toEqual(['created', 'changed']);

    await zk.getData(path);
    await zk.getChildren(base);
    await writer.delete(path, MATCH_ANY_VERSION);
    await eventually(() => events.includes('deleted') && events.includes('children'));

    // Unregistered: reads no longer watch.
    zk.unregisterZNodeChangeHandler(path);
    await zk.exists(path);
    await writer.create(path, bytes(''));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.filter((event) => event === 'created')).toHaveLength(1);
  });

  test('an invalid path or connect string is refused with ERR_INVALID_ARGUMENT', async () => {
    const zk = await open({ connect: server.connectString });
    expect(isTributaryError(await rejection(zk.exists('no-slash')), 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect(isTributaryError(await rejection(zk.getData('/trailing/')), 'ERR_INVALID_ARGUMENT')).toBe(true);
    for (const connect of ['', 'host:port', 'h:1,', 'h:1/chroot/', 'h:1//chroot'])
      await expect(ZooKeeperClient.connect({ connect }), connect).rejects.toMatchObject({
        code: 'ERR_INVALID_ARGUMENT',
      });
  });

  test('connect fails with ERR_ZK_TIMEOUT past zookeeper.connection.timeout.ms when nothing answers', async () => {
    const port = await freePort();
    const started = Date.now();
    await expect(
      ZooKeeperClient.connect({ connect: `127.0.0.1:${port}`, sessionTimeoutMs: 4000, connectionTimeoutMs: 500 }),
    ).rejects.toMatchObject({ code: 'ERR_ZK_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('session expiry: requests fail typed, the handlers re-create the ephemeral and re-arm watches on a new session', async () => {
    const zk = await open({ connect: server.connectString, sessionTimeoutMs: 2000 });
    const observer = await open({ connect: server.connectString });
    const base = await root(zk);
    const broker = `${base}/brokers-ids-1`;
    const watched = `${base}/watched`;
    maybeThrow(await zk.create(watched, bytes('')), watched);
    const calls: string[] = [];
    const changes: string[] = [];
    zk.registerZNodeChangeHandler({ path: watched, handleDataChange: () => changes.push('changed') });
    // As KafkaController's and the broker registration's: re-register after a new session.
    zk.registerStateChangeHandler({
      name: 'broker-registration',
      beforeInitializingSession: () => {
        calls.push('before');
      },
      afterInitializingSession: async () => {
        calls.push('after');
        maybeThrow(await zk.create(broker, bytes('{"host":"h"}'), 'EPHEMERAL'), broker);
        await zk.getData(watched);
      },
    });
    maybeThrow(await zk.create(broker, bytes('{"host":"h"}'), 'EPHEMERAL'), broker);
    await zk.getData(watched);
    const oldSession = zk.sessionId;

    await expireSession(server.connectString, zk, () => calls.includes('before'));
    // The owner's ephemeral is gone with the session, before the handlers re-create it.
    await eventually(async () => calls.includes('after'));
    expect(calls).toEqual(['before', 'after']);
    expect(zk.sessionId).not.toBe(oldSession);
    await eventually(async () => (await observer.exists(broker)).code === 'OK');
    expect(await observer.exists(broker)).toMatchObject({ stat: { ephemeralOwner: zk.sessionId } });

    // The watch handler survived the session: re-armed by the after-handler's read.
    await observer.setData(watched, bytes('x'), MATCH_ANY_VERSION);
    await eventually(() => changes.length === 1);
  });

  test('a request made while the session is expiring fails with ERR_ZK_SESSION_EXPIRED', async () => {
    const zk = await open({ connect: server.connectString, sessionTimeoutMs: 2000 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let during: Promise<unknown> | undefined;
    zk.registerStateChangeHandler({
      name: 'slow',
      // Kafka's controller resigns here; anything asked of ZooKeeper meanwhile must not act silently.
      beforeInitializingSession: async () => {
        during = rejection(zk.exists('/'));
        await held;
      },
    });
    await expireSession(server.connectString, zk, () => during !== undefined);
    await eventually(() => during !== undefined);
    expect(isTributaryError(await during, 'ERR_ZK_SESSION_EXPIRED')).toBe(true);
    release();
    await eventually(() => zk.isConnected);
    expect(await zk.exists('/')).toMatchObject({ code: 'OK' });
  });

  test('ZooKeeper away: requests fail with ERR_ZK_TIMEOUT, then the same session works when it is back', async () => {
    // A restarted server gives restored sessions their timeout again from when it loads its data;
    // 30 s leaves room for a JVM that starts slowly on a loaded machine (in a full suite run on 2
    // shared cores, a 10 s session did not survive the restart).
    const zk = await open({ connect: server.connectString, sessionTimeoutMs: 30000, requestTimeoutMs: 1000 });
    const patient = await open({ connect: server.connectString, sessionTimeoutMs: 30000, requestTimeoutMs: 25000 });
    const base = await root(zk);
    maybeThrow(await zk.create(`${base}/eph`, bytes(''), 'EPHEMERAL'), `${base}/eph`);
    const session = zk.sessionId;

    await server.kill();
    const started = Date.now();
    expect(isTributaryError(await rejection(zk.exists(base)), 'ERR_ZK_TIMEOUT')).toBe(true);
    expect(Date.now() - started).toBeLessThan(2500);

    // A request made while it is down completes once it is back (within its timeout here).
    // Caught here so a failure below does not leave it rejecting unhandled after the client closes.
    const waiting = patient.exists(base).catch((error: unknown) => error);
    await server.start();
    await eventually(() => zk.isConnected);
    expect(zk.sessionId).toBe(session);
    expect(await zk.exists(`${base}/eph`)).toMatchObject({ code: 'OK', stat: { ephemeralOwner: session } });
    expect(await waiting).toMatchObject({ code: 'OK' });
  });

  test('in-flight requests are bounded: past zookeeper.max.in.flight.requests they wait, then time out', async () => {
    const zk = await open({
      connect: server.connectString,
      sessionTimeoutMs: 10000,
      requestTimeoutMs: 800,
      maxInFlightRequests: 2,
    });
    await server.pause();
    try {
      const requests = Array.from({ length: 5 }, () => rejection(zk.exists('/')));
      const errors = await Promise.all(requests);
      expect(errors.every((error) => isTributaryError(error, 'ERR_ZK_TIMEOUT'))).toBe(true);
    } finally {
      server.resume();
    }
    // The slots come back once the server answers what it had.
    await eventually(async () => (await zk.exists('/').catch(() => undefined))?.code === 'OK');
  });
});

describe('ZooKeeperClient on a 3-node ensemble', () => {
  let ensemble: ZooKeeperEnsemble;
  beforeAll(async () => {
    ensemble = await ZooKeeperEnsemble.start(3);
  }, 30000);
  afterAll(async () => {
    await ensemble?.destroy();
  });

  test('the server the session is on is killed: the client moves to another, same session', async () => {
    const zk = await open({ connect: ensemble.connectString, sessionTimeoutMs: 6000 });
    maybeThrow(await zk.create('/eph', bytes(''), 'EPHEMERAL'), '/eph');
    const session = zk.sessionId;
    const current = await serverOfSession(ensemble.servers, session);
    expect(current).toBeDefined();

    await current!.kill();
    try {
      expect(await zk.exists('/eph')).toMatchObject({ code: 'OK', stat: { ephemeralOwner: session } });
      expect(zk.sessionId).toBe(session);
      const now = await serverOfSession(ensemble.servers, session);
      expect(now).toBeDefined();
      expect(now).not.toBe(current);
    } finally {
      // Back on its port and data: the next test needs all three (a quorum without the one it pauses).
      await current!.start();
    }
  }, 30000);
  test('the server the session is on stops answering (SIGSTOP): the client moves to another within the session timeout', async () => {
    const zk = await open({ connect: ensemble.connectString, sessionTimeoutMs: 3000, requestTimeoutMs: 8000 });
    const session = zk.sessionId;
    const current = (await serverOfSession(ensemble.servers, session))!;
    await current.pause();
    try {
      const started = Date.now();
      expect(await zk.exists('/')).toMatchObject({ code: 'OK' });
      expect(Date.now() - started).toBeLessThan(6000);
      expect(zk.sessionId).toBe(session);
    } finally {
      current.resume();
    }
  }, 30000);
});
