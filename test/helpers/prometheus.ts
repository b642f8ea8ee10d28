/**
 * A scrape of a Prometheus text-format endpoint (exposition format 0.0.4), parsed by a
 * small reader written from the format's description, not by the library that wrote it.
 */
import { expect } from 'vitest';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL))
      labels[name!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: parseValue(match[3]!) });
  }
  return samples;
}

export class Scrape {
  constructor(readonly samples: Sample[]) {}

  /** The samples named `name` whose labels include `labels`. */
  all(name: string, labels: Record<string, string | number> = {}): Sample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === String(v)),
    );
  }

  /** The one sample named `name` with these labels (undefined if none). */
  value(name: string, labels: Record<string, string | number> = {}): number | undefined {
    const found = this.all(name, labels);
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return found[0]?.value;
  }

  /** The sum over every sample named `name` with these labels. */
  sum(name: string, labels: Record<string, string | number> = {}): number {
    return this.all(name, labels).reduce((total, s) => total + s.value, 0);
  }
}

export async function scrape(port: number, path = '/metrics'): Promise<Scrape> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Scrape(parsePrometheusText(await response.text()));
}
