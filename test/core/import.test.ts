/**
 * The import (functions/core/import.ts) on the in-memory table: bad rows, duplicates, suppressed
 * and erased addresses, reruns, consent, dry runs, the hourly budget and an interrupted run.
 */
import { describe, expect, it } from "vitest";
import { MemoryMailer } from "../../functions/adapters/memory-mailer.js";
import { MemoryStore } from "../../functions/adapters/memory-store.js";
import {
  ConfirmationDeferredError,
  deliverConfirmation,
} from "../../functions/core/confirmations.js";
import { EXPORT_COLUMNS, exportRows } from "../../functions/core/export.js";
import { type ImportRow, importColumns, importReaders } from "../../functions/core/import.js";
import { createSigner } from "../../functions/core/tokens.js";
import { localHashes } from "../support/ids.js";
import { TEST_EMAILS, TEST_KEYS, TestClock } from "../support/lifecycle.js";
import { subscriber } from "../support/send-fixtures.js";

function setup(confirmationsPerHour = 1000, slot?: { weekday: 4; hour: number }) {
  const clock = new TestClock();
  const store = new MemoryStore(4);
  const mailer = new MemoryMailer();
  const confirmationDeps = {
    subscribers: store,
    limits: store,
    hashes: localHashes,
    mailer,
    clock,
    signer: createSigner(TEST_KEYS, clock),
    emails: TEST_EMAILS,
    site: { baseUrl: "https://tips.example.com", postalAddress: "1 Example Street, Springfield" },
    confirmationsPerHour,
  };
  const deps = {
    roster: store,
    hashes: localHashes,
    confirm: (request: Parameters<typeof deliverConfirmation>[1]) =>
      deliverConfirmation(confirmationDeps, request),
    isBudgetSpent: (error: unknown) => error instanceof ConfirmationDeferredError,
    ...(slot ? { slot } : {}),
  };
  const run = (csv: string[][], options: { consented?: string; dryRun?: boolean } = {}) => {
    const [header, ...data] = csv;
    const rows: ImportRow[] = data.map((cells, i) => ({ line: i + 2, cells }));
    return importReaders(deps, importColumns(header ?? []), rows, {
      dryRun: options.dryRun ?? false,
      now: clock.now(),
      ...(options.consented === undefined ? {} : { consented: options.consented }),
    });
  };
  return { store, mailer, clock, deps, run };
}

const HEADER = ["Email Address", "First Name", "time_zone", "Tags"];
const id = (email: string) => localHashes.subscriberId(email);

describe("the header", () => {
  it("matches email, first name and time zone whatever their case and spelling", () => {
    expect(importColumns(["E-mail", "first_name", "TimeZone"])).toEqual({
      email: 0,
      firstName: 1,
      timeZone: 2,
      ignored: [],
    });
    expect(importColumns(["\uFEFFemail", "FIRST NAME", "Signup date", "Tags"])).toEqual({
      email: 0,
      firstName: 1,
      ignored: ["Signup date", "Tags"],
    });
  });

  it("takes the day and hour only by their own names: another tool's Day or Hour is ignored", () => {
    expect(importColumns(["email", "Delivery Day", "delivery_hour", "Day", "Hour"])).toEqual({
      email: 0,
      deliveryDay: 1,
      deliveryHour: 2,
      ignored: ["Day", "Hour"],
    });
  });

  it("refuses a file without an email column", () => {
    expect(() => importColumns(["name", "zone"])).toThrow(/no email column/);
  });
});

describe("a list exported and imported again", () => {
  it("keeps each reader's chosen day and hour; a bad one is refused by line", async () => {
    const from = new MemoryStore(4);
    await from.create(subscriber("wed@example.org", { deliverySlot: "3-18" }));
    await from.create(subscriber("mon@example.org"));
    const exported: string[][] = [[...EXPORT_COLUMNS]];
    for await (const row of exportRows(from)) exported.push(row);
    const { store, run } = setup();
    const report = await run([...exported, ["odd@example.org", "", "", "", "Someday", "25"]], {
      consented: "moved from the old list",
    });
    expect(report).toMatchObject({ added: 2 });
    expect((await store.get(id("wed@example.org")))?.deliverySlot).toBe("3-18");
    expect((await store.get(id("mon@example.org")))?.deliverySlot).toBeUndefined();
    expect(report.invalid).toEqual([
      {
        line: 4,
        reason: 'not a day (Monday to Sunday, or 1 to 7) and hour (0 to 23): "Someday 25"',
      },
    ]);
  });
});

describe("the delivery day", () => {
  it.each([
    ["Wednesday", "3-18"],
    ["wed", "3-18"],
    ["Thurs.", "4-18"],
    ["Sun", "7-18"],
    ["3", "3-18"],
  ])("%s at 18 is kept as %s", async (day, slot) => {
    const { store, run } = setup();
    const report = await run(
      [
        ["email", "delivery day", "delivery hour"],
        ["day@example.org", day, "18"],
      ],
      { consented: "moved from the old list" },
    );
    expect(report.invalid).toEqual([]);
    expect((await store.get(id("day@example.org")))?.deliverySlot).toBe(slot);
  });

  it.each([
    ["Tuesday", "", "2-06"],
    ["", "9", "4-09"],
    ["", "", undefined],
  ])(
    "day %j and hour %j on a stage sending Thursdays at 06:00 are kept as %s",
    async (day, hour, slot) => {
      const { store, run } = setup(1000, { weekday: 4, hour: 6 });
      await run(
        [
          ["email", "delivery day", "delivery hour"],
          ["day@example.org", day, hour],
        ],
        { consented: "moved from the old list" },
      );
      expect((await store.get(id("day@example.org")))?.deliverySlot).toBe(slot);
    },
  );

  it.each(["Mo", "Moonday", "T", "8"])("%s is refused by line", async (day) => {
    const { run } = setup();
    const report = await run(
      [
        ["email", "delivery day", "delivery hour"],
        ["day@example.org", day, "18"],
      ],
      { consented: "moved from the old list" },
    );
    expect(report.invalid.map((bad) => bad.line)).toEqual([2]);
  });
});

describe("importReaders with consent", () => {
  it("adds valid rows as active readers with the consent evidence, and reports bad rows by line", async () => {
    const { store, run, mailer } = setup();
    const report = await run(
      [
        HEADER,
        ["ann@example.org", "Ann", "Europe/London", "vip"],
        ["not-an-address", "Bob", "", ""],
        ["cy@example.org", "http://evil.example", "", ""],
        ["dee@example.org", "Dee", "Mars/Olympus", ""],
        ["", "Nobody", "", ""],
        ["eve@example.org", "", "", ""],
      ],
      { consented: "Old tool, November 2026" },
    );
    expect(report).toMatchObject({ rows: 6, added: 2, duplicates: 0 });
    expect(report.invalid.map((bad) => bad.line)).toEqual([3, 4, 5, 6]);
    expect(report.invalid[0]?.reason).toMatch(/not a valid email/);
    expect(report.invalid[2]?.reason).toMatch(/time zone/);
    expect(report.invalid[3]?.reason).toMatch(/no email/);
    const ann = await store.get(id("ann@example.org"));
    expect(ann).toMatchObject({
      status: "active",
      firstName: "Ann",
      timeZone: "Europe/London",
      consent: { source: "Old tool, November 2026", at: "2026-03-02T09:00:00.000Z" },
    });
    expect(ann?.consentHistory).toHaveLength(1);
    expect(mailer.sent).toHaveLength(0);
  });

  it.each([
    ["europe/london", "Europe/London"],
    [" AMERICA/NEW_YORK ", "America/New_York"],
    ["utc", "UTC"],
    ["pacific/chatham", "Pacific/Chatham"],
    // Another name for a listed zone is stored by the listed name.
    ["asia/calcutta", "Asia/Kolkata"],
    ["US/Pacific", "America/Los_Angeles"],
  ])("stores the zone %o as %o", async (typed, stored) => {
    const { store, run } = setup();
    const report = await run([HEADER, ["ann@example.org", "Ann", typed, ""]], {
      consented: "Old tool, November 2026",
    });
    expect(report).toMatchObject({ added: 1, invalid: [] });
    expect((await store.get(id("ann@example.org")))?.timeZone).toBe(stored);
  });

  it("takes one reader per real mailbox: case, +tags and Gmail dots", async () => {
    const { store, run } = setup();
    const report = await run(
      [
        ["email"],
        ["Ann.Lee@gmail.com"],
        ["annlee+news@gmail.com"],
        ["ANNLEE@googlemail.com"],
        ["bo@example.org"],
        ["BO@Example.org"],
      ],
      { consented: "fair" },
    );
    expect(report).toMatchObject({ added: 2, duplicates: 3 });
    expect(store.all()).toHaveLength(2);
  });

  it("never adds back or reactivates anyone who left, bounced, complained or was erased", async () => {
    const { store, run, clock } = setup();
    await run(
      [["email"], ["u@example.org"], ["b@example.org"], ["c@example.org"], ["e@example.org"]],
      {
        consented: "first",
      },
    );
    await store.unsubscribe(id("u@example.org"), clock.now());
    await store.suppress(id("b@example.org"), "bounced", clock.now());
    await store.suppress(id("c@example.org"), "complained", clock.now());
    await store.erase(id("e@example.org"), clock.now());
    clock.advance(60_000);
    const again = await run(
      [["email"], ["u@example.org"], ["b@example.org"], ["c@example.org"], ["E@example.org"]],
      { consented: "second" },
    );
    expect(again).toMatchObject({ added: 0, suppressed: 3, erased: 1 });
    expect((await store.get(id("u@example.org")))?.status).toBe("unsubscribed");
    expect((await store.get(id("b@example.org")))?.status).toBe("bounced");
    expect((await store.get(id("c@example.org")))?.status).toBe("complained");
    expect(await store.get(id("e@example.org"))).toBeUndefined();
  });

  it("changes nothing when the same import runs again", async () => {
    const { store, run, clock } = setup();
    const csv = [HEADER, ["ann@example.org", "Ann", "", ""], ["bo@example.org", "", "", ""]];
    await run(csv, { consented: "list" });
    const before = store.all();
    clock.advance(3_600_000);
    const again = await run(csv, { consented: "list" });
    expect(again).toMatchObject({ added: 0, existing: 2 });
    expect(store.all()).toEqual(before);
  });

  it("counts imported readers in the stats once, however often the import runs", async () => {
    const { store, run } = setup();
    const csv = [HEADER, ["ann@example.org", "Ann", "", ""], ["bo@example.org", "", "", ""]];
    await run(csv, { consented: "list" });
    await run(csv, { consented: "list" });
    const { readers } = await store.read();
    expect(readers).toMatchObject({ active: 2, pending: 0 });
  });

  it("changes nothing on a dry run, and says what it would do", async () => {
    const { store, run } = setup();
    const report = await run([["email"], ["a@example.org"], ["b@example.org"], ["bad"]], {
      consented: "list",
      dryRun: true,
    });
    expect(report).toMatchObject({ added: 2 });
    expect(report.invalid).toHaveLength(1);
    expect(store.all()).toHaveLength(0);
  });

  it("a dry run without consent invites nobody: it counts whom it would invite", async () => {
    const { store, run, mailer } = setup();
    const report = await run([["email"], ["a@example.org"], ["b@example.org"]], { dryRun: true });
    expect(report).toMatchObject({ toInvite: 2, invited: 0, waiting: 0 });
    expect(store.all()).toHaveLength(0);
    expect(mailer.sent).toHaveLength(0);
  });

  it("finishes an interrupted import when it is run again", async () => {
    const { store, deps, clock } = setup();
    const rows = Array.from({ length: 250 }, (_, i) => ({
      line: i + 2,
      cells: [`reader${i}@example.org`],
    }));
    let adds = 0;
    const failing = {
      ...deps,
      roster: {
        ...store,
        lookup: store.lookup.bind(store),
        page: store.page.bind(store),
        // The connection drops after 120 readers are written, in the middle of a batch.
        add: async (list: Parameters<MemoryStore["add"]>[0]) => {
          const results: boolean[] = [];
          for (const s of list) {
            adds += 1;
            if (adds > 120) throw new Error("connection reset");
            results.push(...(await store.add([s])));
          }
          return results;
        },
      },
    };
    const options = { consented: "list", dryRun: false, now: clock.now() };
    await expect(importReaders(failing, importColumns(["email"]), rows, options)).rejects.toThrow(
      /connection reset/,
    );
    const partial = store.all().length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(250);
    const rerun = await importReaders(deps, importColumns(["email"]), rows, options);
    expect(rerun.added + rerun.existing).toBe(250);
    expect(rerun.existing).toBe(partial);
    expect(store.all()).toHaveLength(250);
  });
});

describe("importReaders without consent (double opt-in)", () => {
  it("sends each new address one confirmation and leaves it pending", async () => {
    const { store, run, mailer } = setup();
    const report = await run([
      HEADER,
      ["ann@example.org", "Ann", "Asia/Tokyo", ""],
      ["bo@example.org", "", "", ""],
    ]);
    expect(report).toMatchObject({ invited: 2, added: 0 });
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(["ann@example.org", "bo@example.org"]);
    expect((await store.get(id("ann@example.org")))?.status).toBe("pending");
    expect((await store.get(id("ann@example.org")))?.timeZone).toBe("Asia/Tokyo");
    const again = await run([
      HEADER,
      ["ann@example.org", "Ann", "Asia/Tokyo", ""],
      ["bo@example.org", "", "", ""],
    ]);
    expect(again).toMatchObject({ invited: 0, existing: 2 });
    expect(mailer.sent).toHaveLength(2);
  });

  it("stops at the hourly budget, and a rerun in the next hour sends the rest", async () => {
    const { store, run, mailer, clock } = setup(20);
    const csv = [["email"], ...Array.from({ length: 5 }, (_, i) => [`r${i}@example.org`])];
    // Imports are one network: they may take 10 % of the budget, 2 an hour here.
    const first = await run(csv);
    expect(first).toMatchObject({ invited: 2, waiting: 3 });
    expect(store.all()).toHaveLength(2);
    clock.advance(3_600_000);
    const second = await run(csv);
    expect(second).toMatchObject({ invited: 2, existing: 2, waiting: 1 });
    clock.advance(3_600_000);
    await run(csv);
    expect(mailer.sent).toHaveLength(5);
    expect(new Set(mailer.sent.map((m) => m.to)).size).toBe(5);
  });

  it("sends the confirmation of a crash between the write and the email once, on the rerun", async () => {
    const { store, deps, run, mailer, clock } = setup();
    mailer.setFault(() => new Error("process killed"));
    await expect(
      importReaders(deps, importColumns(["email"]), [{ line: 2, cells: ["x@example.org"] }], {
        dryRun: false,
        now: clock.now(),
      }),
    ).rejects.toThrow();
    expect((await store.get(id("x@example.org")))?.status).toBe("pending");
    expect(mailer.sent).toHaveLength(0);
    mailer.setFault(undefined);
    expect(await run([["email"], ["x@example.org"]])).toMatchObject({ invited: 1 });
    expect(await run([["email"], ["x@example.org"]])).toMatchObject({ existing: 1 });
    expect(mailer.sent).toHaveLength(1);
  });

  it("never invites an erased or suppressed address", async () => {
    const { store, run, mailer, clock } = setup();
    await run([["email"], ["gone@example.org"], ["left@example.org"]], { consented: "x" });
    await store.erase(id("gone@example.org"), clock.now());
    await store.unsubscribe(id("left@example.org"), clock.now());
    clock.advance(1000);
    expect(await run([["email"], ["gone@example.org"], ["left@example.org"]])).toMatchObject({
      erased: 1,
      suppressed: 1,
      invited: 0,
    });
    expect(mailer.sent).toHaveLength(0);
  });
});
