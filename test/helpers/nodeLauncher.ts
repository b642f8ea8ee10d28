/**
 * How the `tributary` command starts node: the options on its shebang line
 * (`#!/usr/bin/env -S node OPTION...`, src/cli/main.ts), read from the script itself, so that a
 * test or benchmark spawning `process.execPath SCRIPT` runs it as `npx tributary` does.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const SHEBANG = /^#!\/usr\/bin\/env -S node((?: \S+)*)\n/;
const FIRST_LINE_BYTES = 512;

/** The node options of `script`'s `#!/usr/bin/env -S node` line; throws if it has none. */
export function launcherNodeOptions(script: string): string[] {
  const head = Buffer.alloc(FIRST_LINE_BYTES);
  const fd = openSync(script, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const match = SHEBANG.exec(head.toString('utf8', 0, read));
  if (match === null) throw new Error(`${script} does not start with #!/usr/bin/env -S node`);
  return match[1]!.split(' ').filter((option) => option !== '');
}

/** The arguments that run `script` with `args` under process.execPath as its shebang would. */
export function launcherArgs(script: string, args: readonly string[]): string[] {
  return [...launcherNodeOptions(script), script, ...args];
}
