/** The export (functions/core/export.ts): every reader once, erased readers never, no formulas. */
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { EXPORT_COLUMNS, exportRows, neutralise } from "../../functions/core/export.js";
import { importConsent } from "../../functions/core/import.js";
import type { Subscriber } from "../../functions/core/types.js";
import { localHashes } from "../support/ids.js";

const NOW = new Date("2026-03-02T09:00:00.000Z");

function reader(email: string, overrides: Partial<Subscriber> = {}): Subscriber {
  const consent = importConsent("old tool", NOW);
  return {
    id: localHashes.subscriberId(email),
    email,
    status: "active",
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    consent,
    sentTips: [],
    ...overrides,
  };
}

async function rows(store: MemoryStore) {
  const out: string[][] = [];
  for await (const row of exportRows(store, 2)) out.push(row);
  return out;
}

describe("exportRows", () => {
  it("lists every reader with state, zone, consent, tips received and last click week", async () => {
    const store = new MemoryStore(4);
    await store.add([
      reader("ann@example.org", {
        firstName: "Ann",
        timeZone: "Europe/Oslo",
        sentTips: ["squats", "lunges"],
        lastWeekSent: "2026-W09",
        lastClickWeek: "2026-W08",
        confirmedAt: NOW.toISOString(),
      }),
    ]);
    for (const n of [1, 2, 3, 4])
      await store.add([reader(`r${n}@example.org`, { status: "pending" })]);
    const all = await rows(store);
    expect(all).toHaveLength(5);
    const ann = all.find((row) => row[0] === "ann@example.org");
    const column = (name: (typeof EXPORT_COLUMNS)[number]) => ann?.[EXPORT_COLUMNS.indexOf(name)];
    expect(column("status")).toBe("active");
    expect(column("time_zone")).toBe("Europe/Oslo");
    expect(column("consent_source")).toBe("old tool");
    expect(column("tips_received")).toBe("2");
    expect(column("last_click_week")).toBe("2026-W08");
  });

  it("leaves erased readers out", async () => {
    const store = new MemoryStore(4);
    await store.add([reader("stay@example.org")]);
    await store.add([reader("gone@example.org")]);
    await store.erase(localHashes.subscriberId("gone@example.org"), NOW);
    const all = await rows(store);
    expect(all.map((row) => row[0])).toEqual(["stay@example.org"]);
    expect(JSON.stringify(all)).not.toContain(localHashes.subscriberId("gone@example.org"));
  });

  it("neutralises cells a spreadsheet would run as formulas", async () => {
    expect(neutralise('=HYPERLINK("http://evil")')).toBe('\'=HYPERLINK("http://evil")');
    expect(neutralise("+1")).toBe("'+1");
    expect(neutralise("-2")).toBe("'-2");
    expect(neutralise("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(neutralise("\tx")).toBe("'\tx");
    expect(neutralise("Ann")).toBe("Ann");
    const store = new MemoryStore(4);
    // An address's local part may start with "=" and still be valid.
    await store.add([reader("=cmd@example.org", { consent: importConsent("@import", NOW) })]);
    const [row] = await rows(store);
    expect(row?.[0]).toBe("'=cmd@example.org");
    expect(row?.[EXPORT_COLUMNS.indexOf("consent_source")]).toBe("'@import");
  });
});
