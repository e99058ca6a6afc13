/**
 * Parse: splits a tip file into its YAML front matter and Markdown body (gray-matter), and turns
 * YAML errors into problems in plain words with their lines (yaml.ts). Validation of the fields is
 * validate.ts.
 *
 * Only YAML front matter is accepted. gray-matter would `eval` a `---js` block, so every
 * executable engine is replaced by one that throws, and options are always passed: gray-matter
 * only consults its content-keyed cache when called without options, so a cached result parsed
 * elsewhere can never bypass these engines.
 */
import { isUtf8 } from "node:buffer";
import matter from "gray-matter";
import { lineAt, type Problem, problem } from "./problems.js";
import { parseYamlOrThrow, YamlSyntaxError } from "./yaml.js";

export class BlockedEngineError extends Error {
  override name = "BlockedEngineError";
}

const blocked = (language: string) => (): never => {
  throw new BlockedEngineError(`${language} front matter is not allowed`);
};

/** Front matter as YAML (an empty one is no fields); a syntax error throws YamlSyntaxError. */
function yamlEngine(input: string): object {
  return (parseYamlOrThrow(input) ?? {}) as object;
}

const MATTER_OPTIONS = {
  engines: {
    // YAML through the `yaml` library (yaml.ts), whose errors we can say in plain words.
    yaml: yamlEngine,
    yml: yamlEngine,
    js: blocked("JavaScript"),
    javascript: blocked("JavaScript"),
    coffee: blocked("CoffeeScript"),
    coffeescript: blocked("CoffeeScript"),
    cson: blocked("CSON"),
    json: blocked("JSON"),
  },
} satisfies matter.GrayMatterOption<string, never>;

export interface ParsedSource {
  /** Raw front matter as YAML parsed it (not yet validated). */
  data: unknown;
  /** The raw YAML text between the delimiters. */
  matter: string;
  /** The Markdown after the closing delimiter. */
  body: string;
  /** 1-based file line on which the body starts. */
  bodyLine: number;
}

const SAVE_AS_UTF8 =
  "save the file as UTF-8 (in most editors: Save As, or Save with Encoding, then UTF-8)";

/**
 * A tip file's bytes as text: UTF-8 only (a file in another encoding would reach readers with
 * its accented letters and curly quotes garbled), and Windows line endings read as plain ones.
 */
export function decodeSource(
  file: string,
  raw: Uint8Array,
): { ok: true; source: string } | { ok: false; problems: Problem[] } {
  if ((raw[0] === 0xff && raw[1] === 0xfe) || (raw[0] === 0xfe && raw[1] === 0xff)) {
    return {
      ok: false,
      problems: [problem(file, "the file is saved as UTF-16, not UTF-8", SAVE_AS_UTF8, 1)],
    };
  }
  if (!isUtf8(raw)) {
    // A line feed never falls inside a UTF-8 character, so each line can be checked alone.
    let line = 1;
    let start = 0;
    for (let i = 0; i <= raw.length; i += 1) {
      if (i < raw.length && raw[i] !== 0x0a) continue;
      if (!isUtf8(raw.subarray(start, i))) break;
      line += 1;
      start = i + 1;
    }
    return {
      ok: false,
      problems: [
        problem(
          file,
          "the file is not UTF-8 (Windows-1252 or Latin-1, perhaps): its accented letters and curly quotes would reach readers garbled",
          SAVE_AS_UTF8,
          line,
        ),
      ],
    };
  }
  return { ok: true, source: new TextDecoder().decode(raw).replace(/\r\n?/g, "\n") };
}

/** Splits and YAML-parses a tip source. Returns problems instead of throwing. */
export function splitSource(
  file: string,
  source: string,
): { ok: true; value: ParsedSource } | { ok: false; problems: Problem[] } {
  const fail = (message: string, fix: string, line?: number) => ({
    ok: false as const,
    problems: [problem(file, message, fix, line)],
  });
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (!/^---[^\S\r\n]*[A-Za-z]*[^\S\r\n]*\r?\n/.test(text)) {
    return fail(
      "missing front matter: the file must start with a --- line",
      "start the file with ---, the fields (title, slug, order, summary, tags), then --- and the body",
      1,
    );
  }
  if (!/\r?\n---[^\S\r\n]*(\r?\n|$)/.test(text.slice(3))) {
    return fail(
      "front matter is not closed: no --- line after the fields",
      "add a line containing only --- between the front matter and the body",
      1,
    );
  }
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(text, MATTER_OPTIONS);
  } catch (err) {
    if (err instanceof BlockedEngineError) {
      return fail(
        `${err.message}: only YAML front matter is accepted (it was not evaluated)`,
        "start the file with a plain --- line (no language after it) and write the fields as YAML",
        1,
      );
    }
    if (err instanceof YamlSyntaxError) {
      // The YAML text starts right after the opening "---": its line 1 is the rest of file line
      // 1, so a line of the YAML is the same line of the file.
      return {
        ok: false,
        problems: err.problems.map((p) =>
          problem(file, `invalid YAML in the front matter: ${p.message}`, p.fix, p.line),
        ),
      };
    }
    return fail(
      `cannot read front matter: ${err instanceof Error ? err.message : String(err)}`,
      "write the front matter as YAML between two --- lines",
      1,
    );
  }
  const bodyIndex = text.length - parsed.content.length;
  return {
    ok: true,
    value: {
      data: parsed.data,
      matter: parsed.matter,
      body: parsed.content,
      bodyLine: lineAt(text, bodyIndex),
    },
  };
}
