/**
 * The faults the harness injects, each with its heal (issue 21's list). "The leader" is the
 * leader of partition 0 as the controller last wrote it; "a follower" another replica of it.
 * Each fault lasts past the timeout it is about (the ZooKeeper session, replica.lag.time.max.ms),
 * so the cluster has to act on it, not just wait it out.
 */
import { BROKER_IDS, REPLICA_LAG_MS, SESSION_TIMEOUT_MS, type FaultCluster } from './cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Fault {
  readonly name: string;
  /** Hurts the cluster (partition 0 of `topic` tells which broker) and resolves with the heal. */
  inject(cluster: FaultCluster, topic: string): Promise<() => Promise<void>>;
}

async function leaderOf(cluster: FaultCluster, topic: string): Promise<number> {
  const [state] = await cluster.partitionStates(topic, 1);
  if (state === undefined || state.leader === -1) throw new Error(`${topic}-0 has no leader to hurt`);
  return state.leader;
}

/** kill -9 of the leader; restarted on its data dir once its session expired (before that its id is still taken). */
const killLeader: Fault = {
  name: 'kill -9 leader',
  async inject(cluster, topic) {
    const leader = await leaderOf(cluster, topic);
    await cluster.stopBroker(leader, 'SIGKILL');
    return async () => {
      await cluster.registered(leader, false);
      await cluster.startBroker(leader);
    };
  },
};

/** SIGSTOP of the leader past its session timeout; SIGCONT: it wakes to a cluster that moved on. */
const pauseLeader: Fault = {
  name: 'SIGSTOP leader',
  async inject(cluster, topic) {
    const leader = await leaderOf(cluster, topic);
    cluster.pause(leader, true);
    await sleep(SESSION_TIMEOUT_MS + 3000);
    return async () => cluster.pause(leader, false);
  },
};

/** A cut of the network around partition 0's leader (`cut` is given it), held `holdMs`, then every cut healed. */
function networkFault(name: string, holdMs: number, cut: (cluster: FaultCluster, leader: number) => void): Fault {
  return {
    name,
    async inject(cluster, topic) {
      cut(cluster, await leaderOf(cluster, topic));
      await sleep(holdMs);
      return async () => cluster.net.heal();
    },
  };
}

/** The leader cut from ZooKeeper past its session timeout: it still hears clients and followers. */
const leaderCutFromZooKeeper = networkFault('leader cut from ZooKeeper', SESSION_TIMEOUT_MS + 3000, (cluster, leader) =>
  cluster.net.cutFromZooKeeper(leader),
);

/** The leader cut from the other brokers past replica.lag.time.max.ms: its followers stop fetching. */
const leaderCutFromFollowers = networkFault('leader cut from followers', REPLICA_LAG_MS + 4000, (cluster, leader) => {
  for (const other of BROKER_IDS) if (other !== leader) cluster.net.cut(leader, other);
});

/** A follower off the network (brokers, ZooKeeper, clients) past its session and the lag time. */
const followerCut = networkFault(
  'follower cut',
  Math.max(SESSION_TIMEOUT_MS, REPLICA_LAG_MS) + 3000,
  (cluster, leader) => cluster.net.isolate(BROKER_IDS.find((id) => id !== leader)!),
);

/** ZooKeeper stopped (SIGTERM) and started again on its data: the brokers serve on and reconnect. */
const zooKeeperRestart: Fault = {
  name: 'ZooKeeper restarted',
  async inject(cluster) {
    await cluster.zooKeeper.stop();
    await sleep(3000);
    return () => cluster.zooKeeper.start();
  },
};

/**
 * Every broker in turn stopped with SIGTERM (controlled shutdown moves its leaders away
 * first) and started again, the next only once the cluster is whole (or 30 s passed).
 */
const rollingRestart: Fault = {
  name: 'rolling restart',
  async inject(cluster, topic) {
    for (const id of BROKER_IDS) {
      await cluster.stopBroker(id, 'SIGTERM');
      await cluster.startBroker(id);
      await cluster.whole(topic, 30000);
    }
    return async () => undefined;
  },
};

export const FAULTS: readonly Fault[] = [
  killLeader,
  pauseLeader,
  leaderCutFromZooKeeper,
  leaderCutFromFollowers,
  followerCut,
  zooKeeperRestart,
  rollingRestart,
];

/** The faults named in `list` (comma-separated, each a prefix of a name, e.g. `kill,SIGSTOP`), or all of them. */
export function selectFaults(list: string | undefined): Fault[] {
  if (list === undefined || list.trim() === '') return [...FAULTS];
  return list.split(',').map((wanted) => {
    const fault = FAULTS.find((f) => f.name.toLowerCase().startsWith(wanted.trim().toLowerCase()));
    if (fault === undefined)
      throw new Error(`FAULTS: no fault named ${wanted}; the faults: ${FAULTS.map((f) => f.name).join(', ')}`);
    return fault;
  });
}
