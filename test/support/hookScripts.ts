/**
 * The azd hooks in both languages, for checks that need neither Azure nor PowerShell: a PowerShell parser
 * (tree-sitter-powershell), a rule about splatting, and what the `.sh` and `.ps1` twins must agree on.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import Parser from "tree-sitter";
import { readRepoFile, repoRoot } from "./bicepTree";

export const HOOKS_FOLDER = "infra/hooks";

/** The hook names that exist in both languages (preprovision, postdeploy, predown). */
export function hookNames(): string[] {
  const files = readdirSync(join(repoRoot, HOOKS_FOLDER));
  return files
    .filter((file) => file.endsWith(".sh"))
    .map((file) => file.slice(0, -3))
    .sort();
}

let parser: Parser | undefined;

/** Parses PowerShell (the grammar is an ES module with top-level await, hence the dynamic import). */
export async function parsePowerShell(source: string): Promise<Parser.Tree> {
  if (!parser) {
    const powershell = (await import("tree-sitter-powershell")).default;
    parser = new Parser();
    parser.setLanguage(powershell);
  }
  return parser.parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 2) });
}

/**
 * `@name` splats that name no variable the script assigns (`$name = …`, `$name += …`, `foreach ($name in …)`, a
 * parameter): `az keyvault show @args` splats PowerShell's automatic `$args` — the script's own (empty) arguments —
 * where `@kvArgs` was meant. Returns `line: @name` for each.
 */
export function unassignedSplats(tree: Parser.Tree): string[] {
  const assigned = new Set<string>();
  const splats: Parser.SyntaxNode[] = [];
  const visit = (node: Parser.SyntaxNode): void => {
    if (node.type === "variable") {
      const name = node.text
        .replace(/^\$/, "")
        .replace(/^\{|\}$/g, "")
        .toLowerCase();
      const parent = node.parent;
      let onLeftOfAssignment = false;
      for (let ancestor = parent; ancestor; ancestor = ancestor.parent) {
        if (ancestor.type === "left_assignment_expression") onLeftOfAssignment = true;
        if (ancestor.type === "assignment_expression" || ancestor.type === "program") break;
      }
      if (onLeftOfAssignment || parent?.type === "foreach_statement" || parent?.type === "script_parameter")
        assigned.add(name);
    }
    if (node.type === "variable" && node.text.startsWith("@")) splats.push(node);
    for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return splats
    .filter((node) => !assigned.has(node.text.replace(/^@/, "").toLowerCase()))
    .map((node) => `${node.startPosition.row + 1}: ${node.text}`);
}

/** `line:column: text` of every ERROR or MISSING node. */
export function powerShellSyntaxErrors(tree: Parser.Tree): string[] {
  const problems: string[] = [];
  const visit = (node: Parser.SyntaxNode): void => {
    if (node.type === "ERROR" || node.isMissing) {
      problems.push(
        `${node.startPosition.row + 1}:${node.startPosition.column + 1}: ${JSON.stringify(node.text.slice(0, 60))}`,
      );
      return;
    }
    for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return problems;
}

/** What a hook says to Azure and to azd, in a form both languages share. */
export interface HookContract {
  readonly apiVersions: string[];
  /** Literal URL paths before `?api-version=` (`/eventSubscriptions`, `/secrets/participant-index-key`…). */
  readonly urlPaths: string[];
  /** `az <group> <command>` words. */
  readonly azCommands: string[];
  /** JMESPath queries, with variables written as `$VAR`. */
  readonly queries: string[];
  /** azd environment values the hook sets. */
  readonly azdSets: string[];
  readonly eventTypes: string[];
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function normaliseVariables(text: string): string {
  return text.replace(/\$\([^()]*(\([^()]*\))?[^()]*\)/g, "$VAR").replace(/\$\{?[A-Za-z_][A-Za-z0-9_.]*\}?/g, "$VAR");
}

export function hookContract(file: string): HookContract {
  const text = readRepoFile(file);
  const code = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    // Quotes escaped inside messages (sh \", PowerShell `") read as plain quotes in both.
    .replace(/\\"|`"/g, '"');
  const queries = [...code.matchAll(/--query\s+(?:"([^"]*)"|'([^']*)'|([^\s"'`]+))/g)].map((match) =>
    normaliseVariables(match[1] ?? match[2] ?? match[3] ?? ""),
  );
  const azdSets = [...code.matchAll(/(?:azd env set|set_env|Set-EnvValue)\s+'?([A-Z][A-Z0-9_]+)'?/g)].map(
    (match) => match[1] ?? "",
  );
  return {
    apiVersions: unique([...code.matchAll(/\b(20\d\d-\d\d-\d\d(?:-preview)?)\b/g)].map((match) => match[1] ?? "")),
    urlPaths: unique([...code.matchAll(/((?:\/[A-Za-z][\w.-]*)+)\?api-version=/g)].map((match) => match[1] ?? "")),
    azCommands: unique(
      [...code.matchAll(/(?:^|[\s(])az\s+((?:[a-z][a-z-]*\s+){0,2}[a-z][a-z-]*)/gm)].map((match) =>
        (match[1] ?? "")
          .split(/\s+/)
          .filter((word) => !word.startsWith("-"))
          .join(" "),
      ),
    ),
    queries: unique(queries),
    azdSets: unique(azdSets),
    eventTypes: unique([...code.matchAll(/Microsoft\.Communication\.[A-Za-z]+/g)].map((match) => match[0])),
  };
}

/** The keys of the JSON body the hook PUTs: the sh here-document's `"key":`, the PowerShell hashtable's `key =`. */
export function putBodyKeys(file: string): string[] {
  const text = readRepoFile(file);
  if (file.endsWith(".sh")) {
    const heredoc = /<<JSON\n([\s\S]*?)\nJSON/.exec(text)?.[1] ?? "";
    return unique([...heredoc.matchAll(/"([A-Za-z]+)"\s*:/g)].map((match) => match[1] ?? ""));
  }
  const start = text.indexOf("$body = @{");
  if (start < 0) return [];
  let depth = 0;
  let end = start;
  for (let index = text.indexOf("@{", start); index < text.length; index++) {
    if (text[index] === "{") depth++;
    if (text[index] === "}" && --depth === 0) {
      end = index;
      break;
    }
  }
  return unique(
    [...text.slice(start, end).matchAll(/\b([A-Za-z]+)\s*=\s*(?!=)/g)]
      .map((match) => match[1] ?? "")
      .filter((key) => key !== "body"),
  );
}
