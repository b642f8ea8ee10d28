/** `tributary serve`: the Kafka-protocol broker on a data directory, until SIGTERM or SIGINT. */
import { Broker } from '../broker/Broker.js';
import { readPropertiesFile } from '../broker/BrokerConfig.js';
import { createLogger, type LogLevel } from '../broker/Logger.js';
import { progress } from './Progress.js';
import { integerOption, parseOptions, UsageError, type Command } from './Command.js';

const HELP = `Usage: tributary serve --data-dir DIR [options]

Serves the Kafka protocol on a data directory.

Options:
  --data-dir DIR          the data directory (created if missing; one process at a time)
  --port N                listener port (default 9092; 0 picks a free one)
  --host H                listener address (default 127.0.0.1)
  --advertised-host H     the host clients are told to connect to (default: --host)
  --node-id N             this broker's node id (default 0; in a cluster, broker.id, else generated)
  --zookeeper CONNECT     join the ZooKeeper cluster at HOST:PORT[,HOST:PORT...][/chroot]
                          (zookeeper.connect); its settings (listeners, advertised.listeners,
                          broker.rack, zookeeper.session.timeout.ms, ...) come from --config
  --config FILE           Kafka server.properties settings (auto.create.topics.enable,
                          num.partitions, log.retention.ms, message.max.bytes,
                          max.connections, max.connections.per.ip, queued.max.request.bytes, ...)
  --metrics-port N        serve Prometheus metrics at http://HOST:N/metrics (0 picks a
                          free port); off by default
  --log-level LEVEL       debug, info, warn (default), error or silent; JSON lines on stderr
  -h, --help              this help
`;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the Kafka-protocol broker on a data directory',
  async run(args) {
    const o = parseOptions(args, {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'advertised-host': { type: 'string' },
      'node-id': { type: 'string' },
      zookeeper: { type: 'string' },
      config: { type: 'string' },
      'metrics-port': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (o.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    if (o['data-dir'] === undefined) throw new UsageError('serve needs --data-dir DIR');
    const level = (o['log-level'] ?? 'warn') as LogLevel;
    if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
    const signal = untilSignal();
    const recovery = progress('recovering logs');
    const broker = await Broker.start({
      dataDir: o['data-dir'],
      port: integerOption('port', o.port, 0, 65535),
      host: o.host,
      advertisedHost: o['advertised-host'],
      nodeId: integerOption('node-id', o['node-id'], 0, 2 ** 31 - 1),
      zookeeper: o.zookeeper,
      settings: o.config === undefined ? {} : readPropertiesFile(o.config),
      logger: createLogger(level),
      metricsPort: integerOption('metrics-port', o['metrics-port'], 0, 65535),
      recoveryProgress: recovery,
    }).finally(() => recovery.stop());
    process.stdout.write(
      `tributary broker listening on ${broker.host}:${broker.port} (node ${broker.metadata.nodeId}, data dir ${o['data-dir']})\n`,
    );
    if (broker.metricsPort !== undefined)
      process.stdout.write(`tributary metrics at http://${broker.host}:${broker.metricsPort}/metrics\n`);
    const received = await signal;
    process.stdout.write(`tributary broker stopping (${received})\n`);
    await broker.close();
    process.stdout.write('tributary broker stopped\n');
    return 0;
  },
};
