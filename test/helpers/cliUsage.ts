/** Checks that wrong command lines fail as every `tributary` command must: exit 2 and one line on stderr. */
import { expect } from 'vitest';
import { tributary } from './cli.js';

export async function expectUsageErrors(cases: readonly (readonly [readonly string[], RegExp])[]): Promise<void> {
  const exits = await Promise.all(cases.map(([args]) => tributary([...args]).exit));
  for (const [i, [args, message]] of cases.entries()) {
    expect(exits[i]!.code, args.join(' ')).toBe(2);
    expect(exits[i]!.stderr).toMatch(message);
    expect(exits[i]!.stderr.split('\n'), args.join(' ')).toHaveLength(2);
  }
}
