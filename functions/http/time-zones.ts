/**
 * The time zone field of the signup and preferences pages: a <select> of every IANA zone this
 * runtime knows (it works without JavaScript), and one small script that preselects the
 * browser's own zone where scripts run. The script is allowed by its hash in the CSP
 * (respond.ts), so no other script can run on our pages.
 */
import { createHash } from "node:crypto";
import { escapeHtml } from "../core/fill.js";
import { DAY_NAMES, zoneNames, zoneSpelling } from "../core/schedule.js";

/**
 * Picks the browser's zone in the select, if the page has one and the zone is in it. A browser
 * may name a zone otherwise than this runtime's list (Firefox says Asia/Kolkata where ICU lists
 * Asia/Calcutta, Europe/Kyiv for Europe/Kiev): then the browser is asked what it calls each
 * listed zone, and the one that is its own is picked.
 */
export const ZONE_SCRIPT =
  '(function(){try{var s=document.getElementById("timeZone");var z=Intl.DateTimeFormat().resolvedOptions().timeZone;if(!s||!z||s.dataset.chosen)return;var o=s.options,i;for(i=0;i<o.length;i++){if(o[i].value===z){s.value=z;return}}for(i=0;i<o.length;i++){try{if(o[i].value&&new Intl.DateTimeFormat("en",{timeZone:o[i].value}).resolvedOptions().timeZone===z){s.value=o[i].value;return}}catch(e){}}}catch(e){}})();';

/** The script as it stands in a page. */
export const ZONE_SCRIPT_TAG = `<script>${ZONE_SCRIPT}</script>`;

/** The CSP source that allows exactly ZONE_SCRIPT. */
export const ZONE_SCRIPT_HASH = `'sha256-${createHash("sha256").update(ZONE_SCRIPT).digest("base64")}'`;

/**
 * The select: `chosen` is preselected (and kept: the script leaves a reader's own choice alone);
 * without one, the first option is the stage default.
 */
export function timeZoneSelect(
  given: string | undefined,
  defaultLabel?: string,
  /** The id of a problem said about this field (the select is then marked invalid). */
  problemId?: string,
): string {
  const listed = zoneNames();
  // A record's other name for a listed zone (Asia/Calcutta, US/Eastern) selects the listed one.
  const chosen = given === undefined ? undefined : zoneSpelling(given);
  // Anything else is offered as given, rather than silently replaced by the first option.
  const own = chosen !== undefined && !listed.includes(chosen) ? [chosen] : [];
  const options = [...own, ...listed]
    .map((zone) => {
      const value = escapeHtml(zone);
      return `<option value="${value}"${zone === chosen ? " selected" : ""}>${value}</option>`;
    })
    .join("");
  const first = defaultLabel ? `<option value="">${escapeHtml(defaultLabel)}</option>` : "";
  const invalid = problemId ? ` aria-invalid="true" aria-describedby="${problemId}"` : "";
  return `<select id="timeZone" name="timeZone"${chosen ? ' data-chosen="1"' : ""}${invalid}>${first}${options}</select>
${ZONE_SCRIPT_TAG}`;
}

/**
 * The day and hour fields of the signup and preferences pages: two selects, preselected with the
 * reader's choice (Monday 07:00 when they made none).
 */
export function deliverySelects(day = 1, hour = 7): string {
  const dayOptions = DAY_NAMES.map(
    (name, i) => `<option value="${i + 1}"${i + 1 === day ? " selected" : ""}>${name}</option>`,
  ).join("");
  const hourOptions = Array.from({ length: 24 }, (_, h) => {
    const label = `${String(h).padStart(2, "0")}:00`;
    return `<option value="${h}"${h === hour ? " selected" : ""}>${label}</option>`;
  }).join("");
  return `<div class="when">
<label for="deliveryDay">Day</label>
<select id="deliveryDay" name="deliveryDay">${dayOptions}</select>
<label for="deliveryHour">Time</label>
<select id="deliveryHour" name="deliveryHour">${hourOptions}</select>
</div>`;
}
