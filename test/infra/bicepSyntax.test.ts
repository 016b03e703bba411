import { describe, expect, it } from "vitest";
import { bicepFiles, parseBicep, readRepoFile, syntaxErrors } from "../support/bicepTree";

describe("Bicep files parse (tree-sitter-bicep: syntax only, no compiler here)", () => {
  const files = bicepFiles();

  it("finds the template and its modules", () => {
    expect(files).toContain("infra/main.bicep");
    expect(files.length).toBeGreaterThan(1);
  });

  it.each(files)("%s has no syntax error", (file) => {
    const tree = parseBicep(readRepoFile(file));
    const problems = syntaxErrors(file, tree);
    expect(problems, problems.join("\n")).toEqual([]);
    expect(tree.rootNode.hasError, `${file} has a syntax error`).toBe(false);
  });

  it("reports a broken file with its name and line", () => {
    const tree = parseBicep(
      "param ok string\nresource r 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: 'x'\n  properties: {\n}\n",
    );
    const problems = syntaxErrors("broken.bicep", tree);
    expect(tree.rootNode.hasError).toBe(true);
    expect(problems.join("\n")).toMatch(/^broken\.bicep:\d+:\d+: /m);
  });
});
