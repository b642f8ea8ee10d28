/**
 * Import layering (docs/design.md). Data flows one way: the front doors (client, the
 * embedded API; broker, the Kafka protocol server; cli) -> engine (topics, partitions)
 * -> log (segments, indexes, recovery) -> native (the addon). record (RecordBatch v2,
 * codecs) and protocol (the wire schema and codec) are libraries beside them; group is
 * the consumer-group coordinator the client and the broker share; io (atomic files,
 * directory sync) and metrics (latency histograms) are small utilities under everything.
 *
 * Three rules, checked over the graph of imports between files (type-only imports,
 * `export ... from` and `import('...')` included):
 * - every edge between two src/ folders is one listed in ALLOWED;
 * - no front door reaches past the engine into log or native (the engine's Partition is
 *   their one read/append surface), whatever ALLOWED says;
 * - no import cycle between files.
 * The checker is a plain function, so the tests below also run it on planted violations.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

/** Each src/ folder (a top-level file counts as its own) and the folders it may import from. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  retainShape: [],
  io: [],
  metrics: [],
  native: ['errors'],
  record: ['errors', 'native', 'retainShape'],
  protocol: ['errors'],
  // One Kafka-protocol connection from the requesting side (Kafka's NetworkClient): a library beside
  // protocol, shared by the embedded client, the CLI and a broker's channels to other brokers.
  network: ['errors', 'protocol'],
  // ZooKeeper's client and layout: a library beside the layers, as protocol is.
  zk: ['errors', 'io'],
  // The ZK-mode controller's logic: state machines over ZooKeeper's partition state, requests as the protocol types them.
  controller: ['errors', 'protocol', 'zk'],
  log: ['errors', 'io', 'metrics', 'native', 'record'],
  // DataDirLock takes its flock from the addon directly: there is no log to go through.
  engine: ['errors', 'io', 'log', 'metrics', 'native', 'record'],
  group: ['engine', 'errors', 'protocol', 'record'],
  // The transaction coordinator writes markers through the engine and ends the group coordinator's pending offsets.
  transaction: ['engine', 'errors', 'group', 'protocol', 'record'],
  // The embedded Tributary opens the engine's transaction coordinator, as it opens the group coordinator.
  client: ['engine', 'errors', 'group', 'metrics', 'network', 'protocol', 'record', 'retainShape', 'transaction'],
  // The replica manager keeps each hosted partition's LeaderAndIsr (zk's shared type); a broker of a
  // ZooKeeper cluster runs the controller and carries its requests, the transaction markers and its own
  // controlled shutdown to other brokers over network's BrokerConnection.
  broker: [
    'controller',
    'engine',
    'errors',
    'group',
    'io',
    'metrics',
    'network',
    'protocol',
    'record',
    'transaction',
    'zk',
  ],
  // The CLI drives the other front doors: it serves a broker, runs the embedded client, talks to brokers;
  // zookeeper-check reads a cluster's znodes with zk's client and formats; its requests to brokers go
  // over network's BrokerConnection, as the embedded client's do.
  cli: ['broker', 'client', 'engine', 'errors', 'group', 'io', 'network', 'protocol', 'record', 'zk'],
  // The package's entry point exports the public API, the log's classes among it.
  index: ['broker', 'client', 'engine', 'errors', 'group', 'log', 'metrics', 'native', 'record'],
};

/** Folders that use the engine and must not reach below it. */
const FRONT_DOORS = ['client', 'broker', 'cli', 'group', 'transaction'];
const BEHIND_ENGINE = ['log', 'native'];

/**
 * Edges allowed to single files that their folder is not. `dump-log` is an offline tool
 * over segment files (Kafka's DumpLogSegments, which reads kafka.log directly too): it
 * checks and repairs the .log/.index/.timeindex files of a stopped broker, below what any
 * engine API would show, so it reads them through the log's own segment checker.
 */
const FILE_EDGES: Readonly<Record<string, readonly string[]>> = {
  'cli/dumpLog.ts': ['log/SegmentCheck.ts', 'log/LogFileNames.ts'],
  'cli/DumpLogOutput.ts': ['log/SegmentCheck.ts'],
  'cli/SegmentRepair.ts': ['log/SegmentCheck.ts'],
};

/** Files (relative to src/, e.g. 'log/Log.ts') and the files each imports. */
type ImportGraph = ReadonlyMap<string, readonly string[]>;

interface Rules {
  allowed: Readonly<Record<string, readonly string[]>>;
  frontDoors: readonly string[];
  behindEngine: readonly string[];
  fileEdges: Readonly<Record<string, readonly string[]>>;
}

const RULES: Rules = { allowed: ALLOWED, frontDoors: FRONT_DOORS, behindEngine: BEHIND_ENGINE, fileEdges: FILE_EDGES };

function folderOf(file: string): string {
  return file.split('/')[0]!.replace(/\.ts$/, '');
}

/** Every way `graph` breaks `rules`, one line each; none when it keeps them all. */
function checkLayering(graph: ImportGraph, rules: Rules): string[] {
  const problems: string[] = [];
  for (const [file, imports] of graph) {
    const from = folderOf(file);
    for (const target of imports) {
      const to = folderOf(target);
      if (from === to || rules.fileEdges[file]?.includes(target)) continue;
      if (!(from in rules.allowed)) problems.push(`${file}: folder ${from} has no entry in the allowed edges`);
      else if (rules.frontDoors.includes(from) && rules.behindEngine.includes(to))
        problems.push(`${file} -> ${target}: the ${from} front door reaches past the engine into ${to}`);
      else if (!rules.allowed[from]!.includes(to)) problems.push(`${file} -> ${target}: ${from} may not import ${to}`);
    }
  }
  return [...problems, ...importCycles(graph).map((cycle) => `import cycle: ${[...cycle, cycle[0]].join(' -> ')}`)];
}

/** The files of each import cycle (Tarjan's strongly connected components of more than one file, or a file importing itself). */
function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)?.includes(file)) cycles.push(component.reverse());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** `import ... from`, `import type ... from`, `export ... from`, `import '...'` and `import('...')` of a relative path. */
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;

/** The relative imports of TypeScript source `text` in `file` (relative to src/), as files relative to src/. */
function importsOf(file: string, text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => join(dirname(file), m[2]!.replace(/\.js$/, '.ts')));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function srcGraph(): ImportGraph {
  return new Map(
    sourceFiles(SRC).map((path) => {
      const file = relative(SRC, path);
      return [file, importsOf(file, readFileSync(path, 'utf8'))];
    }),
  );
}

/** A graph from a few planted files' sources, keyed by path relative to src/. */
function plantedGraph(sources: Record<string, string>): ImportGraph {
  return new Map(Object.entries(sources).map(([file, text]) => [file, importsOf(file, text)]));
}

describe('layering', () => {
  const graph = srcGraph();

  test('the source tree keeps every rule', () => {
    expect(checkLayering(graph, RULES)).toEqual([]);
  });

  test('every import resolves to a source file, so the graph misses nothing', () => {
    const unresolved = [...graph].flatMap(([file, imports]) =>
      imports.filter((target) => !existsSync(join(SRC, target))).map((target) => `${file} -> ${target}`),
    );
    expect(unresolved).toEqual([]);
  });

  test('no front door is allowed past the engine by the table itself', () => {
    for (const door of FRONT_DOORS) for (const below of BEHIND_ENGINE) expect(ALLOWED[door]).not.toContain(below);
  });

  test('every import form is read, type-only and type queries included', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../log/b.js';",
      "export { c } from './c.js';",
      "export type * from './d.js';",
      "import './e.js';",
      "type F = import('./f.js').F;",
      'import {\n  g,\n  type G,\n} from "./g.js";',
      "import {\n  h,\n  type H,\n} from '../record/h.js';",
    ].join('\n');
    expect(importsOf('engine/x.ts', text)).toEqual([
      'engine/a.ts',
      'log/b.ts',
      'engine/c.ts',
      'engine/d.ts',
      'engine/e.ts',
      'engine/f.ts',
      'engine/g.ts',
      'record/h.ts',
    ]);
  });

  test('a planted edge the table does not allow is reported', () => {
    const planted = plantedGraph({
      'record/Bad.ts': "import type { Engine } from '../engine/Engine.js';",
      'engine/Engine.ts': '',
    });
    expect(checkLayering(planted, RULES)).toEqual(['record/Bad.ts -> engine/Engine.ts: record may not import engine']);
  });

  test('a planted front door reaching past the engine is reported, even were the edge listed', () => {
    const planted = plantedGraph({
      'broker/Bad.ts': "import { Log } from '../log/Log.js';",
      'client/Bad.ts': "type Scan = import('../native/BatchScan.js').BatchScanner;",
      'log/Log.ts': '',
      'native/BatchScan.ts': '',
    });
    const loose = { ...RULES, allowed: { ...ALLOWED, broker: [...ALLOWED.broker!, 'log'] } };
    expect(checkLayering(planted, loose)).toEqual([
      'broker/Bad.ts -> log/Log.ts: the broker front door reaches past the engine into log',
      'client/Bad.ts -> native/BatchScan.ts: the client front door reaches past the engine into native',
    ]);
  });

  test('a planted two-file cycle of type-only imports is reported', () => {
    const planted = plantedGraph({
      'log/A.ts': "import type { B } from './B.js';\nexport interface A { b: B }",
      'log/B.ts': "import type { A } from './A.js';\nexport interface B { a: A }",
      'log/C.ts': "import type { A } from './A.js';",
    });
    expect(checkLayering(planted, RULES)).toEqual(['import cycle: log/A.ts -> log/B.ts -> log/A.ts']);
  });

  test('a folder missing from the table is reported', () => {
    expect(checkLayering(plantedGraph({ 'cluster/Raft.ts': "import '../log/Log.js';" }), RULES)).toEqual([
      'cluster/Raft.ts: folder cluster has no entry in the allowed edges',
    ]);
  });
});
