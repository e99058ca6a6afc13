/**
 * A request handler for an AWS SDK client, in place of its HTTP handler: it records each request
 * as the SDK hands it over (headers copied) and gives one canned answer, so a test can read what
 * a client would have sent and how it reads an answer, without a server.
 */
export interface SentRequest {
  method: string;
  hostname: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** The canned answer: a body, its status (200) and headers (content-type JSON unless given). */
export function cannedHandler(
  body: string,
  { status = 200, headers = {} }: { status?: number; headers?: Record<string, string> } = {},
) {
  const sent: SentRequest[] = [];
  const handler = {
    async handle(request: SentRequest) {
      sent.push({ ...request, headers: { ...request.headers } });
      return {
        // The shape of an HttpResponse, which the SDK reads by its fields.
        response: {
          statusCode: status,
          headers: { "content-type": "application/json", ...headers },
          body: new TextEncoder().encode(body),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return { handler, sent };
}

/** A recorded request's body as text (the SDK hands over a string or bytes). */
export function bodyText(request: SentRequest): string {
  return typeof request.body === "string"
    ? request.body
    : new TextDecoder().decode(request.body as Uint8Array);
}
