/** Kafka's version ranges: "0+" (open), "3-7", "5" (one version), "none". */

export interface VersionRange {
  readonly min: number;
  /** Infinity for an open range. */
  readonly max: number;
}

const NONE: VersionRange = { min: 0, max: -1 };

export function parseVersions(text: string): VersionRange {
  if (text === 'none') return NONE;
  const match = /^(\d+)(?:(\+)|-(\d+))?$/.exec(text);
  if (match === null) throw new Error(`bad version range "${text}"`);
  const min = Number(match[1]);
  if (match[2] === '+') return { min, max: Infinity };
  return { min, max: match[3] === undefined ? min : Number(match[3]) };
}

export function inVersions(text: string | undefined, version: number): boolean {
  if (text === undefined) return false;
  const { min, max } = parseVersions(text);
  return version >= min && version <= max;
}
