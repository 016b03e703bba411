/**
 * Bicep parse trees for the infra checks (tree-sitter + tree-sitter-bicep). There is no Bicep compiler here: types,
 * API versions and property names are checked against the compiler's type data by bicepTypes.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import Parser from "tree-sitter";
import bicep from "tree-sitter-bicep";

export const repoRoot = join(__dirname, "..", "..");

let parser: Parser | undefined;

export function parseBicep(source: string): Parser.Tree {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(bicep);
  }
  // The default 32 KiB buffer is smaller than main.bicep; parse with a callback-free string of any size.
  return parser.parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 2) });
}

/** Every .bicep file under infra/, relative to the repository root. */
export function bicepFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".bicep")) found.push(relative(repoRoot, path));
    }
  };
  walk(join(repoRoot, "infra"));
  return found.sort();
}

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), "utf8");
}

/** `file:line:column: what` for every ERROR or MISSING node (1-based lines). */
export function syntaxErrors(file: string, tree: Parser.Tree): string[] {
  const problems: string[] = [];
  const visit = (node: Parser.SyntaxNode): void => {
    if (node.type === "ERROR" || node.isMissing) {
      const { row, column } = node.startPosition;
      const what = node.isMissing ? `missing ${node.type}` : `unexpected ${JSON.stringify(node.text.slice(0, 60))}`;
      problems.push(`${file}:${row + 1}:${column + 1}: ${what}`);
      return;
    }
    for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return problems;
}

/** The string value of a `string` node without interpolation, else undefined. */
export function plainString(node: Parser.SyntaxNode): string | undefined {
  if (node.type !== "string") return undefined;
  if (node.namedChildren.some((child) => child.type !== "string_content")) return undefined;
  return node.namedChildren.map((child) => child.text).join("");
}
