/** The link token of a request: `?token=` first, else a `token` field of a form or JSON body. */
import { type Event, formOrJsonBody } from "./request.js";

export function tokenOf(event: Event, fromQuery: string | undefined): unknown {
  if (fromQuery !== undefined) return fromQuery;
  if (!event.body) return undefined;
  return formOrJsonBody(event).token;
}
