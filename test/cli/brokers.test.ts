/**
 * `tributary brokers` as a real process against a served broker: a dynamic config set on the
 * broker and as the cluster-wide default, described as Kafka's ConfigCommand prints it, kept
 * across a restart of the broker, then removed; the refusals a broker answers and the usage errors.
 */
import { describe, expect, it } from 'vitest';
import { serve } from '../helpers/cli.js';
import { expectHelp, expectUsageErrors, fails, json, ok } from '../helpers/cliExpect.js';
import { tempDir } from '../helpers/tmp.js';

interface Described {
  broker: string;
  configs: { name: string; value: string | null; source: string; synonyms: { source: string }[] }[];
}

describe('tributary brokers', () => {
  it('sets, describes and deletes dynamic broker configs, which survive a restart', async () => {
    const dataDir = tempDir();
    let broker = await serve(dataDir);
    const target = () => ['--bootstrap', `127.0.0.1:${broker.port}`];
    expect(await ok(['brokers', 'alter-config', '0', '--set', 'log.cleaner.threads=2', ...target()])).toBe(
      'Altered configs of broker 0.\n',
    );
    expect(await ok(['brokers', 'alter-config', '--default', '--set', 'log.retention.ms=3600000', ...target()])).toBe(
      'Altered configs of the cluster-wide broker defaults.\n',
    );
    await fails(
      ['brokers', 'alter-config', '0', '--set', 'broker.id=4', ...target()],
      1,
      /failed: INVALID_REQUEST.*Cannot update these configs dynamically: Set\(broker\.id\)/,
    );

    broker.child.kill('SIGTERM');
    await broker.exit;
    broker = await serve(dataDir);
    expect(await ok(['brokers', 'describe-config', '0', ...target()])).toBe(
      'Dynamic configs for broker 0 are:\n' +
        '  log.cleaner.threads=2 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.cleaner.threads=2, DEFAULT_CONFIG:log.cleaner.threads=1}\n',
    );
    expect(await ok(['brokers', 'describe-config', '--default', ...target()])).toBe(
      'Default configs for brokers in the cluster are:\n' +
        '  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}\n',
    );
    const all = await json<Described>(['brokers', 'describe-config', '0', '--all', ...target()]);
    expect(all.configs.find((c) => c.name === 'log.retention.ms')).toMatchObject({
      value: '3600000',
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    });
    expect(all.configs.find((c) => c.name === 'num.io.threads')).toMatchObject({ source: 'DEFAULT_CONFIG' });

    await ok(['brokers', 'alter-config', '0', '--delete', 'log.cleaner.threads', ...target()]);
    expect(await json<Described>(['brokers', 'describe-config', '0', ...target()])).toEqual({
      broker: '0',
      configs: [],
    });
    broker.child.kill('SIGTERM');
    await broker.exit;
  });

  it('needs a running broker and one broker id or --default', async () => {
    await expectUsageErrors([
      [['brokers', 'alter-config', '0', '--set', 'a=b', '--data-dir', tempDir()], /give --bootstrap HOST:PORT/],
      [
        ['brokers', 'alter-config', '--set', 'a=b', '--bootstrap', '127.0.0.1:1'],
        /exactly one of a broker id or --default/,
      ],
      [['brokers', 'describe-config', '0', '--default', '--bootstrap', '127.0.0.1:1'], /exactly one of/],
      [['brokers', 'describe-config', 'x', '--bootstrap', '127.0.0.1:1'], /broker id must be an integer, got 'x'/],
      [['brokers', 'alter-config', '0', '--bootstrap', '127.0.0.1:1'], /needs --set KEY=VALUE or --delete KEY/],
    ]);
  });

  it('has help', async () => {
    await expectHelp('brokers', ['describe-config', 'alter-config']);
  });
});
