/** The static reading behind test/infra/wiring.test.ts, on small made-up sources. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configCalls, exportsHandler, importClosure } from "./scan.js";

const dir = mkdtempSync(path.join(tmpdir(), "infra-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const config = write(
  "config.ts",
  "export const tableName = () => 't';\nexport const settings = () => ({});\n" +
    "export const tokenKeys = () => [];\nexport const queueUrl = () => 'q';\n",
);

describe("configCalls", () => {
  it("counts called getters, through aliases and namespaces, and ignores the rest", () => {
    const file = write(
      "a/uses.ts",
      [
        'import { tableName as table, settings, tokenKeys } from "../config.js";',
        'import * as cfg from "../config.js";',
        'import type { queueUrl } from "../config.js";',
        "// queueUrl() in a comment is no call",
        "const s = 'tokenKeys()';",
        "export const run = () => [table(), cfg.queueUrl(), settings];",
      ].join("\n"),
    );
    expect([...configCalls(file, config)].sort()).toEqual(["queueUrl", "tableName"]);
  });
});

describe("importClosure", () => {
  it("follows value imports, re-exports and import(), not type-only imports", () => {
    write("b/leaf.ts", 'import { SESv2Client } from "@aws-sdk/client-sesv2";\nexport const x = 1;');
    write("b/typed.ts", 'import "@aws-sdk/client-sqs";\nexport type T = number;');
    write("b/again.ts", 'export { x } from "./leaf.js";');
    write("b/lazy.ts", "export const y = 2;");
    const entry = write(
      "b/entry.ts",
      [
        'import type { T } from "./typed.js";',
        'import { x } from "./again.js";',
        'export const handler = async () => (await import("./lazy.js")).y + x;',
        'import { bundle } from "./generated/content.js";',
        'import { gone } from "./missing.js";',
      ].join("\n"),
    );
    const closure = importClosure(entry);
    const names = closure.files.map((f) => path.relative(dir, f)).sort();
    expect(names).toEqual(["b/again.ts", "b/entry.ts", "b/lazy.ts", "b/leaf.ts"]);
    expect([...closure.packages]).toEqual(["@aws-sdk/client-sesv2"]);
    expect(closure.unresolved).toHaveLength(1);
    expect(closure.unresolved[0]).toContain("./missing.js");
  });
});

describe("exportsHandler", () => {
  it.each([
    ["export const handler = async () => {};", true],
    ["export async function handler() {}", true],
    ["const h = () => {};\nexport { h as handler };", true],
    ["export const handlers = 1;\nconst handler = 2;", false],
    ["export type handler = number;", false],
  ])("%s → %s", (text, expected) => {
    expect(exportsHandler(write(`c/${Math.random().toString(36).slice(2)}.ts`, text))).toBe(
      expected,
    );
  });
});
