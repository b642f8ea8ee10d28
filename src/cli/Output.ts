/** What admin commands print: aligned tables for people, one JSON document with --json. */

export type Cell = string | number | null;

/** Columns padded to their widest cell, as Kafka's tools print them; null shows as '-'. */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [header, ...rows].map((row) => row.map((cell) => (cell === null ? '-' : String(cell))));
  const widths = header.map((_, i) => Math.max(...text.map((row) => row[i]!.length)));
  return (
    text
      .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
      .join('\n') + '\n'
  );
}

/** Prints `value` as JSON with --json, else the text `human` makes. */
export function writeOutput(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : human());
}
