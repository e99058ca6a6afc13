/**
 * The stores' own view of each change to a reader's record, for a process with no table stream
 * to carry it: the local stack, whose relay (scripts/local/events.ts) listens. In AWS nobody does.
 */
import type { ChangeListener } from "../core/events.js";

let listener: ChangeListener | undefined;

/** Who hears the stores' changes in this process; undefined: nobody. */
export function listenToTableChanges(next: ChangeListener | undefined): void {
  listener = next;
}

/** What runtime/store.ts gives the table: passes each change on to the listener, if any. */
export const tableChanges: ChangeListener = (change) => listener?.(change);
