/**
 * V8 reaches a class's instance shape (its map once the constructor has set every field)
 * only through live instances: the transition to it is held weakly. When a full GC finds
 * no instance of a short-lived hot class (a record, a record cursor, a batch being built),
 * the shape dies, every function optimized for it is thrown away, and the next fetch or
 * send runs unoptimized until V8 compiles it again: a first fetch after a major GC was
 * measured 5-10x slower. One instance kept per such class keeps its shape alive.
 */
const retained: object[] = [];

/** Keeps `exemplar` (built as the hot path builds its instances) for the life of the process. */
export function retainShape(exemplar: object): void {
  retained.push(exemplar);
}
