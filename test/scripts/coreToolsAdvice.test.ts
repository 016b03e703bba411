import { describe, expect, it } from "vitest";
import { coreToolsAdvice, npmVersionFromUserAgent } from "../../scripts/coreToolsAdvice";

describe("npm start's advice when Core Tools is missing", () => {
  it("on Node 20 says Core Tools needs Node 22 and that npm skipped the optional dependency", () => {
    const advice = coreToolsAdvice({ node: "20.20.2", npm: "10.8.2" });
    expect(advice).toContain("You are on Node 20.20.2");
    expect(advice).toContain("requires Node 22 or later");
    expect(advice).toContain("skipped the optional");
    expect(advice).toContain("npm install --global azure-functions-core-tools@4");
    expect(advice).not.toContain("--allow-scripts");
  });

  it("on Node 22 points at the install script (allowed in package.json) and how to rerun it", () => {
    const advice = coreToolsAdvice({ node: "22.12.0", npm: "11.16.0" });
    expect(advice).not.toContain("You are on Node");
    expect(advice).toContain("allowScripts");
    expect(advice).toContain("npm rebuild azure-functions-core-tools");
  });

  it("with npm 12 gives the global install that allows the install script", () => {
    const advice = coreToolsAdvice({ node: "24.1.0", npm: "12.0.0" });
    expect(advice).toContain(
      "npm install --global --allow-scripts=azure-functions-core-tools azure-functions-core-tools@4",
    );
    expect(advice).not.toContain("Or install it globally: npm install --global azure-functions-core-tools@4");
  });

  it("reads npm's version from npm_config_user_agent", () => {
    expect(npmVersionFromUserAgent("npm/11.19.1 node/v20.20.2 linux x64 workspaces/false")).toBe("11.19.1");
    expect(npmVersionFromUserAgent(undefined)).toBeUndefined();
    expect(npmVersionFromUserAgent("yarn/1.22.0 npm/? node/v20")).toBeUndefined();
  });
});
