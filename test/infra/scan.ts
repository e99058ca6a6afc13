/**
 * Static reading of the Lambda sources for test/infra/wiring.test.ts, with the TypeScript parser:
 * a handler's relative imports (transitively), the functions/config.ts getters it calls, and the
 * packages it imports. Type-only imports are left out: they are erased from the bundle.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const CONFIG_FILE = path.join(ROOT, "functions/config.ts");

export function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
}

/** Module specifiers this file loads at run time: value imports, re-exports, import(). */
export function runtimeImports(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.importClause?.isTypeOnly) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      if (!node.isTypeOnly) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The .ts file a relative specifier ("./x.js", "../y") names, or undefined when none exists. */
export function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [
    base.replace(/\.js$/, ".ts"),
    base,
    `${base}.ts`,
    path.join(base, "index.ts"),
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

export interface Closure {
  /** Every source file reached from the entry through relative imports, the entry first. */
  files: string[];
  /** Relative imports that name no file (outside functions/generated, which the build writes). */
  unresolved: string[];
  /** Package specifiers imported at run time anywhere in the closure. */
  packages: Set<string>;
}

export function importClosure(entry: string): Closure {
  const files: string[] = [];
  const unresolved: string[] = [];
  const packages = new Set<string>();
  const queue = [entry];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(file);
    for (const specifier of runtimeImports(parse(file))) {
      if (!specifier.startsWith(".")) {
        packages.add(specifier);
        continue;
      }
      const target = resolveRelative(file, specifier);
      if (target) queue.push(target);
      else if (
        !path.resolve(path.dirname(file), specifier).includes(`${path.sep}generated${path.sep}`)
      )
        unresolved.push(`${path.relative(ROOT, file)} → ${specifier}`);
    }
  }
  return { files, unresolved, packages };
}

/**
 * Names of the functions/config.ts exports that this file calls: `getter()` after
 * `import { getter } from "../config.js"` (or an alias), or `ns.getter()` after `import * as ns`.
 */
export function configCalls(file: string, configFile = CONFIG_FILE): Set<string> {
  const source = parse(file);
  const byLocal = new Map<string, string>();
  const namespaces = new Set<string>();
  for (const statement of source.statements) {
    if (
      !ts.isImportDeclaration(statement) ||
      !ts.isStringLiteral(statement.moduleSpecifier) ||
      !statement.moduleSpecifier.text.startsWith(".") ||
      resolveRelative(file, statement.moduleSpecifier.text) !== configFile ||
      statement.importClause?.isTypeOnly
    ) {
      continue;
    }
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        if (element.isTypeOnly) continue;
        byLocal.set(element.name.text, (element.propertyName ?? element.name).text);
      }
    }
  }
  const called = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee) && byLocal.has(callee.text)) {
        called.add(byLocal.get(callee.text) as string);
      } else if (
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        namespaces.has(callee.expression.text)
      ) {
        called.add(callee.name.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return called;
}

/** Whether the module exports a value named `handler` (declaration or export list). */
export function exportsHandler(file: string): boolean {
  const source = parse(file);
  const exported = (node: ts.Node) =>
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && exported(statement)) {
      if (statement.name?.text === "handler") return true;
    }
    if (ts.isVariableStatement(statement) && exported(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === "handler") return true;
      }
    }
    if (
      ts.isExportDeclaration(statement) &&
      !statement.isTypeOnly &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      if (statement.exportClause.elements.some((e) => e.name.text === "handler")) return true;
    }
  }
  return false;
}

/** Every .ts file under a directory, recursively. */
export function tsFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFilesUnder(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}
