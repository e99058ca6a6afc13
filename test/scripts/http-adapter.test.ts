/** The local stack's HTTP adapter hands the handler the request as API Gateway would. */
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { toEvent } from "../../scripts/local/http-adapter.js";

const request = (url: string) =>
  ({
    url,
    method: "GET",
    headers: { host: "localhost:3000" },
    socket: { remoteAddress: "127.0.0.1" },
  }) as unknown as IncomingMessage;

describe("toEvent", () => {
  it.each([
    ["/tips?page=2", "/tips", "page=2"],
    // Not a host: the path as sent, which no route has (API Gateway passes it so too).
    ["//evil.example/", "//evil.example/", ""],
    ["/\\evil.example", "/\\evil.example", ""],
    ["/TIPS/%2e%2e/?a=1&a=2", "/TIPS/%2e%2e/", "a=1&a=2"],
  ])("%s → rawPath %s, query %s", (url, rawPath, rawQueryString) => {
    const event = toEvent(request(url), Buffer.alloc(0));
    expect(event).toMatchObject({ rawPath, rawQueryString });
    expect(event.requestContext.http.path).toBe(rawPath);
  });

  it("joins a repeated query parameter as API Gateway does", () => {
    expect(toEvent(request("/x?a=1&a=2"), Buffer.alloc(0)).queryStringParameters).toEqual({
      a: "1,2",
    });
  });
});
