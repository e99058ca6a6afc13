/**
 * YAML for the editors' files (a tip's front matter, content/newsletter.yml), read with the `yaml`
 * library, and its errors said in plain words: what is wrong on which line, and how to fix it,
 * never the parser's own text. Also the line of any value, so a field that YAML reads but the
 * schema refuses is reported where it is written.
 */
import { isNode, LineCounter, parseDocument, type YAMLError } from "yaml";

/** One YAML error, as an editor reads it. */
export interface YamlProblem {
  /** 1-based line in the YAML text. */
  line: number;
  message: string;
  fix: string;
}

const QUOTE_FIX =
  'put the whole value in double quotes, e.g. summary: "Squats: the basics", and start every field at the left edge';

/** The key written at the start of a line (`  title: …` → `title`), if any. */
function keyOn(line: string | undefined): string | undefined {
  return /^\s*["']?([^"':#]+?)["']?\s*:/.exec(line ?? "")?.[1];
}

/**
 * The line where an unclosed quote or bracket opens, at or before `upto` (the parser notices it
 * only where the text runs out): the first line with more openings than closings.
 */
function openedOn(lines: readonly string[], upto: number, count: (line: string) => number): number {
  for (let i = 0; i < Math.min(upto, lines.length); i++) {
    if (count(lines[i] ?? "") > 0) return i + 1;
  }
  return upto;
}

const quotesLeftOpen = (line: string) => {
  const value = line.replace(/^[^:]*:\s*/, "");
  const quote = value[0];
  if (quote !== '"' && quote !== "'") return 0;
  return value.slice(1).replace(/\\./g, "").includes(quote) ? 0 : 1;
};
const bracketsLeftOpen = (line: string) =>
  (line.match(/\[/g) ?? []).length - (line.match(/\]/g) ?? []).length;

const CURLY_QUOTES = /[“”„‘’‚]/;

/**
 * One parser error in plain words. On a line with curly quotes (an editor's "smart quotes"), the
 * fix says so: the editor believes the value is quoted already, and YAML sees no quotes at all.
 */
function plain(error: YAMLError, lines: readonly string[]): YamlProblem {
  const said = explain(error, lines);
  if (!CURLY_QUOTES.test(lines[said.line - 1] ?? "")) return said;
  return {
    ...said,
    fix: `the quotes on this line are curly (“ ”), which YAML does not read as quotes: type straight ones instead, e.g. title: "Squats: the basics" (or turn off your editor's smart quotes)`,
  };
}

function explain(error: YAMLError, lines: readonly string[]): YamlProblem {
  const line = error.linePos?.[0]?.line ?? 1;
  const text = lines[line - 1];
  switch (error.code) {
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY":
      return {
        line,
        message:
          'a value here contains ": " (or the next line is indented), so YAML reads it as a second field inside this one',
        fix: QUOTE_FIX,
      };
    case "DUPLICATE_KEY": {
      const key = keyOn(text);
      return {
        line,
        message: key ? `the field "${key}" is written twice` : "a field is written twice",
        fix: "keep one of the two lines and delete the other",
      };
    }
    case "TAB_AS_INDENT":
      return {
        line,
        message: "this line is indented with a tab",
        fix: "indent with spaces (or not at all: fields start at the left edge)",
      };
    case "BAD_SCALAR_START": {
      const first = /starts? with reserved character (\S)/.exec(error.message)?.[1];
      return {
        line,
        message: `a value starts with ${first ? `"${first}"` : "a character"} that YAML keeps for itself`,
        fix: 'put the value in double quotes, e.g. title: "@home: squats"',
      };
    }
    case "MISSING_CHAR":
      if (/quote/i.test(error.message)) {
        return {
          line: openedOn(lines, line, quotesLeftOpen),
          message: "a quoted value is not closed",
          fix: "end the value with the same quote mark it starts with, on the same line",
        };
      }
      return {
        line,
        message: 'this line is not a "field: value" line',
        fix: "write it as field: value, or join it to the value on the line above (in quotes)",
      };
    case "BAD_INDENT":
      if (/flow (sequence|collection)|\]/i.test(error.message)) {
        return {
          line: openedOn(lines, line, bracketsLeftOpen),
          message: "a list in [square brackets] is not closed",
          fix: "close it with ] on the same line, e.g. tags: [squats, legs]",
        };
      }
      return {
        line,
        message: "this line is indented where YAML does not expect it",
        fix: "start every field at the left edge; indent only the items of a list or group",
      };
    case "UNEXPECTED_TOKEN": {
      const token = /"(.)"/.exec(error.message)?.[1];
      return {
        line,
        message: `this line has ${token ? `a "${token}"` : "a character"} YAML does not expect there`,
        fix: 'check the brackets and quotes on this line; quote a value that contains them, e.g. title: "Squats [part 1]"',
      };
    }
    default:
      return {
        line,
        message: "this line is not valid YAML",
        fix: 'write one field per line as field: value, and quote values that contain ": " or start with a special character',
      };
  }
}

export type YamlResult =
  | {
      ok: true;
      value: unknown;
      /** The 1-based line of the value at `path` (or of its nearest written parent). */
      lineOf: (path: readonly PropertyKey[]) => number | undefined;
    }
  | { ok: false; problems: YamlProblem[] };

/** Parses YAML text; errors come back in plain words, one per line, first error first. */
export function parseYaml(text: string): YamlResult {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = text.split(/\r?\n/);
    const seen = new Set<number>();
    const problems: YamlProblem[] = [];
    for (const error of doc.errors) {
      const p = plain(error, lines);
      if (seen.has(p.line)) continue;
      seen.add(p.line);
      problems.push(p);
    }
    return { ok: false, problems };
  }
  const lineOf = (path: readonly PropertyKey[]) => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { ok: true, value: doc.toJS(), lineOf };
}

/** For gray-matter: parses or throws a YamlSyntaxError carrying the plain problems. */
export class YamlSyntaxError extends Error {
  override name = "YamlSyntaxError";
  constructor(readonly problems: YamlProblem[]) {
    super(problems.map((p) => `line ${p.line}: ${p.message}`).join("; "));
  }
}

export function parseYamlOrThrow(text: string): unknown {
  const result = parseYaml(text);
  if (!result.ok) throw new YamlSyntaxError(result.problems);
  return result.value;
}
