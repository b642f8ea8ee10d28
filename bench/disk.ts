/**
 * The disk the bench writes to: the filesystem and device holding os.tmpdir() (the
 * longest mount point in /proc/mounts that contains it) and, where /sys/block says, the
 * device's model and whether it is rotational. Linux only; elsewhere just the path.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, sep } from 'node:path';

export interface Disk {
  path: string;
  filesystem?: string;
  device?: string;
  mountPoint?: string;
  rotational?: boolean;
  model?: string;
}

interface Mount {
  device: string;
  mountPoint: string;
  filesystem: string;
}

/** /proc/mounts escapes spaces and the like as octal (\040). */
const unescape = (field: string): string =>
  field.replace(/\\([0-7]{3})/g, (_, code: string) => String.fromCharCode(parseInt(code, 8)));

function mountOf(path: string): Mount | undefined {
  let best: Mount | undefined;
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [device, mountPoint, filesystem] = line.split(' ').map(unescape);
    if (device === undefined || mountPoint === undefined || filesystem === undefined) continue;
    const contains = path === mountPoint || path.startsWith(mountPoint.endsWith(sep) ? mountPoint : mountPoint + sep);
    if (contains && (best === undefined || mountPoint.length >= best.mountPoint.length))
      best = { device, mountPoint, filesystem };
  }
  return best;
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The whole disk's /sys/block directory of a device such as /dev/sda1 or /dev/vda. */
function blockDirOf(device: string): string | undefined {
  const entry = join('/sys/class/block', basename(device));
  if (!existsSync(entry)) return undefined;
  const real = realpathSync(entry);
  return existsSync(join(real, 'partition')) ? dirname(real) : real;
}

export function diskInfo(path = tmpdir()): Disk {
  const disk: Disk = { path };
  try {
    const mount = mountOf(realpathSync(path));
    if (mount === undefined) return disk;
    Object.assign(disk, { filesystem: mount.filesystem, device: mount.device, mountPoint: mount.mountPoint });
    const block = mount.device.startsWith('/dev/') ? blockDirOf(mount.device) : undefined;
    if (block === undefined) return disk;
    const rotational = readTrimmed(join(block, 'queue', 'rotational'));
    if (rotational !== undefined) disk.rotational = rotational === '1';
    const model = readTrimmed(join(block, 'device', 'model'));
    if (model !== undefined) disk.model = model;
  } catch {
    // Not Linux, or /proc and /sys hidden: the path alone.
  }
  return disk;
}
