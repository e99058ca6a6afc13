import { describe, expect, it } from "vitest";
import {
  inOrder,
  nextTip,
  runway,
  SERIES_END,
  series,
  tipNumber,
} from "../../functions/core/sequence.js";
import { tip, tips } from "../support/send-fixtures.js";

const slugs = (list: readonly { slug: string }[]) => list.map((t) => t.slug);

/** Sends `weeks` tips to a fresh subscriber, applying `change` to the tips before week `at`. */
function walk(
  initial: ReturnType<typeof tips>,
  weeks: number,
  change?: { at: number; apply: (t: ReturnType<typeof tips>) => ReturnType<typeof tips> },
) {
  let current = inOrder(initial);
  const received: string[] = [];
  for (let week = 0; week < weeks; week += 1) {
    if (change && week === change.at) current = inOrder(change.apply(current));
    const next = nextTip(current, received);
    if (!next) break;
    received.push(next.slug);
  }
  return { received, current };
}

describe("nextTip", () => {
  it("starts a new subscriber (confirmed this week) at the first tip in order", () => {
    const list = inOrder([tip("c", 30), tip("a", 10), tip("b", 20)]);
    expect(nextTip(list, [])?.slug).toBe("a");
  });

  it("is undefined for a caught-up subscriber", () => {
    expect(nextTip(tips("a", "b"), ["b", "a"])).toBeUndefined();
  });

  it("ignores received slugs that no longer exist", () => {
    expect(nextTip(tips("a", "b"), ["gone", "a"])?.slug).toBe("b");
  });

  const cases = [
    {
      name: "a tip inserted before the subscriber's progress is sent next",
      change: { at: 2, apply: (t: ReturnType<typeof tips>) => [...t, tip("new", 15)] },
    },
    {
      name: "a tip inserted after the progress comes in order",
      change: { at: 2, apply: (t: ReturnType<typeof tips>) => [...t, tip("new", 45)] },
    },
    {
      name: "reordering already-received and pending tips",
      change: {
        at: 2,
        apply: (t: ReturnType<typeof tips>) =>
          t.map((x) => ({ ...x, order: x.slug === "a" ? 99 : x.slug === "e" ? 1 : x.order })),
      },
    },
    {
      name: "reversing the whole order",
      change: {
        at: 3,
        apply: (t: ReturnType<typeof tips>) => t.map((x) => ({ ...x, order: -x.order })),
      },
    },
    {
      name: "removing a pending tip",
      change: { at: 1, apply: (t: ReturnType<typeof tips>) => t.filter((x) => x.slug !== "d") },
    },
  ];

  it.each(cases)("never repeats or skips: $name", ({ change }) => {
    const { received, current } = walk(tips("a", "b", "c", "d", "e"), 20, change);
    // No repeats.
    expect(new Set(received).size).toBe(received.length);
    // Nothing skipped: every tip that exists at the end was received, and then it stops.
    for (const s of slugs(current)) expect(received).toContain(s);
    expect(nextTip(current, received)).toBeUndefined();
  });
});

describe("runway", () => {
  it("is tips minus the most any active subscriber received, counting only existing slugs", () => {
    const list = tips("a", "b", "c", "d", "e");
    const result = runway(list, [
      { status: "active", sentTips: ["a", "b"] },
      { status: "active", sentTips: ["a", "b", "c", "removed", "removed2"] },
      { status: "unsubscribed", sentTips: ["a", "b", "c", "d", "e"] },
    ]);
    expect(result).toEqual({ weeks: 2, tips: 5, maxReceived: 3, subscribers: 2 });
  });

  it("is the whole list with no subscribers, and 0 once someone is caught up", () => {
    expect(runway(tips("a", "b"), []).weeks).toBe(2);
    expect(runway(tips("a", "b"), [{ status: "active", sentTips: ["a", "b"] }]).weeks).toBe(0);
  });
});

describe("the series' end", () => {
  const finished = {
    subject: "You've finished the series",
    preheader: "",
    html: "<p>{{first_name}}</p>",
    text: "{{first_name}}",
  };
  const list = series(tips("a", "b"), finished);

  it("comes once, after a reader's last tip, and a tip published later comes next", () => {
    const received: string[] = [];
    for (let week = 0; week < 5; week += 1) {
      const next = nextTip(list, received);
      if (!next) break;
      received.push(next.slug);
    }
    expect(received).toEqual(["a", "b", SERIES_END]);
    // A new tip: sent at the reader's next slot, and then nothing again (no second end).
    const more = series([...tips("a", "b"), tip("c", 30)], finished);
    expect(nextTip(more, received)?.slug).toBe("c");
    expect(nextTip(more, [...received, "c"])).toBeUndefined();
  });

  it("never stands alone: not for a reader who has had no tip, not when there are no tips", () => {
    expect(nextTip(list, [])?.slug).toBe("a");
    expect(series([], finished)).toEqual([]);
    // A reader whose only tips were removed since: the end waits for a tip of the series.
    expect(nextTip(series([], finished), ["gone"])).toBeUndefined();
  });

  it("numbers each reader's tips by their own place in the series", () => {
    expect(tipNumber([])).toBe(1);
    expect(tipNumber(["a", "b"])).toBe(3);
    expect(tipNumber(["a", "b", SERIES_END])).toBe(3);
  });
});
