/**
 * ReplicaAssignment: a partition's replicas, with those being added and removed by a
 * reassignment in progress, as Kafka's kafka.controller.ReplicaAssignment (ControllerContext.scala).
 */
export class ReplicaAssignment {
  static readonly empty = new ReplicaAssignment([], [], []);

  /**
   * @param replicas every assigned broker, the adding and removing ones included; the first is
   *   the preferred leader.
   */
  constructor(
    readonly replicas: readonly number[],
    readonly addingReplicas: readonly number[] = [],
    readonly removingReplicas: readonly number[] = [],
  ) {}

  /** The replicas before the reassignment. */
  get originReplicas(): number[] {
    return diff(this.replicas, this.addingReplicas);
  }

  /** The replicas after it. */
  get targetReplicas(): number[] {
    return diff(this.replicas, this.removingReplicas);
  }

  get isBeingReassigned(): boolean {
    return this.addingReplicas.length > 0 || this.removingReplicas.length > 0;
  }

  /** ReplicaAssignment.reassignTo: the target first, then the origin replicas not in it. */
  reassignTo(target: readonly number[]): ReplicaAssignment {
    const origin = this.originReplicas;
    const full = [...new Set([...target, ...origin])];
    return new ReplicaAssignment(full, diff(full, origin), diff(full, target));
  }

  removeReplica(replica: number): ReplicaAssignment {
    const without = (list: readonly number[]): number[] => list.filter((r) => r !== replica);
    return new ReplicaAssignment(without(this.replicas), without(this.addingReplicas), without(this.removingReplicas));
  }
}

function diff(from: readonly number[], remove: readonly number[]): number[] {
  return from.filter((r) => !remove.includes(r));
}
