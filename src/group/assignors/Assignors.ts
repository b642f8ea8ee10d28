/** The built-in assignors by Kafka name (partition.assignment.strategy). */
import { invalidArgument } from '../../errors.js';
import { CooperativeStickyAssignor } from './CooperativeStickyAssignor.js';
import type { AssignorName, PartitionAssignor } from './PartitionAssignor.js';
import { RangeAssignor } from './RangeAssignor.js';
import { RoundRobinAssignor } from './RoundRobinAssignor.js';

const ASSIGNORS: Record<AssignorName, () => PartitionAssignor> = {
  range: () => new RangeAssignor(),
  roundrobin: () => new RoundRobinAssignor(),
  'cooperative-sticky': () => new CooperativeStickyAssignor(),
};

export function assignorByName(name: string): PartitionAssignor {
  const make = Object.hasOwn(ASSIGNORS, name) ? ASSIGNORS[name as AssignorName] : undefined;
  if (make === undefined)
    throw invalidArgument(`unknown assignor '${name}': one of ${Object.keys(ASSIGNORS).join(', ')}`);
  return make();
}
