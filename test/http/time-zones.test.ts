/**
 * The signup and preferences pages' one script (ZONE_SCRIPT), run against a stand-in select and
 * a browser's Intl that names some zones otherwise than this runtime's list does.
 */
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { timeZoneSelect, ZONE_SCRIPT } from "../../functions/http/time-zones.js";

/** What this browser calls a zone it is given (Firefox's IANA names for ICU's older ones). */
const BROWSER_NAMES: Record<string, string> = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Europe/Kiev": "Europe/Kyiv",
};

function run(browserZone: string, options: string[], chosen = false): string {
  const select = {
    dataset: chosen ? { chosen: "1" } : {},
    options: options.map((value) => ({ value })),
    value: options[0] ?? "",
  };
  // Like the real one, callable with or without `new`; an impossible name throws a RangeError.
  const DateTimeFormat = (_locale?: string, opts?: { timeZone?: string }) => {
    const zone = opts?.timeZone;
    if (zone !== undefined && !/^[A-Za-z_]+(\/[A-Za-z_]+)*$/.test(zone)) {
      throw new RangeError(`Invalid time zone specified: ${zone}`);
    }
    return {
      resolvedOptions: () => ({
        timeZone: zone === undefined ? browserZone : (BROWSER_NAMES[zone] ?? zone),
      }),
    };
  };
  runInNewContext(ZONE_SCRIPT, {
    document: { getElementById: (id: string) => (id === "timeZone" ? select : null) },
    Intl: {
      DateTimeFormat: function (this: unknown, ...args: Parameters<typeof DateTimeFormat>) {
        return DateTimeFormat(...args);
      },
    },
  });
  return select.value;
}

const LIST = ["", "UTC", "Asia/Calcutta", "Europe/Kiev", "Europe/London"];

// [what, the browser's zone, the option picked]
const cases: Array<[string, string, string]> = [
  ["the same name as the list's", "Europe/London", "Europe/London"],
  ["a newer name for a listed zone (Firefox in India)", "Asia/Kolkata", "Asia/Calcutta"],
  ["another renamed zone", "Europe/Kyiv", "Europe/Kiev"],
  ["a zone not in the list at all: the default stays", "Mars/Olympus_Mons", ""],
];

describe("ZONE_SCRIPT", () => {
  it.each(cases)("%s", (_what, browserZone, picked) => {
    expect(run(browserZone, LIST)).toBe(picked);
  });

  it("leaves a reader's own choice alone", () => {
    expect(run("Asia/Kolkata", ["Europe/London", ...LIST], true)).toBe("Europe/London");
  });
});

describe("timeZoneSelect", () => {
  const options = (html: string) => [...html.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]);
  const selected = (html: string) => html.match(/<option value="([^"]*)" selected>/)?.[1];

  it("offers IANA's names, and selects a record's older name by the listed one", () => {
    const html = timeZoneSelect("Asia/Calcutta");
    expect(options(html)).toContain("Asia/Kolkata");
    expect(options(html)).not.toContain("Asia/Calcutta");
    expect(selected(html)).toBe("Asia/Kolkata");
    expect(selected(timeZoneSelect("europe/kiev"))).toBe("Europe/Kyiv");
  });

  it("keeps a zone it cannot list as given, selected, rather than the first option", () => {
    const html = timeZoneSelect("Mars/Olympus_Mons");
    expect(options(html)[0]).toBe("Mars/Olympus_Mons");
    expect(selected(html)).toBe("Mars/Olympus_Mons");
  });
});
