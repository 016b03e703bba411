import { describe, expect, it } from "vitest";
import {
  ACS_DOWNLOAD_HOST_SUFFIXES,
  buildDownloadHostPolicy,
  downloadUrlProblem,
  isLoopbackHost,
} from "../../src/config/downloadHosts";
import { ConfigError } from "../../src/errors";

const ENDPOINT = "https://contoso-test.communication.azure.com";
/** Loopback entries with ports (local simulation), one https-only extra host, and one extra suffix. */
const policy = buildDownloadHostPolicy(
  ["127.0.0.1:10000", "[::1]:10001", "localhost:7071", "files.contoso.example", ".media.contoso.example"],
  [ENDPOINT],
);
/** Only the built-ins and the endpoint. */
const builtIn = buildDownloadHostPolicy([], [ENDPOINT]);

const ALLOWED: readonly (readonly [string, string])[] = [
  [
    "ACS storage host",
    "https://storage.asm.skype.com/v1/objects/0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8/content/video",
  ],
  [
    "regional ACS storage host",
    "https://us-storage.asm.skype.com/v1/objects/0-eus-d1-83e9599991e21ad21220427d78fbf558",
  ],
  ["Teams async gateway", "https://emea.asyncgw.teams.microsoft.com/v1/objects/x/content/video"],
  ["Teams government", "https://gov.ams.gov.teams.microsoft.us/v1/objects/x"],
  ["upper-case host", "https://STORAGE.ASM.SKYPE.COM/v1/objects/x"],
  ["explicit default port 443", "https://storage.asm.skype.com:443/v1/objects/x"],
  ["query string", "https://storage.asm.skype.com/v1/objects/x/content/video?sv=1&sig=abc"],
  [
    "the ACS endpoint itself",
    "https://contoso-test.communication.azure.com/recording/download/doc?api-version=2021-04-15-preview1",
  ],
  ["listed loopback over http", "http://127.0.0.1:10000/devstoreaccount1/x"],
  ["listed loopback over https", "https://127.0.0.1:10000/devstoreaccount1/x"],
  ["listed IPv6 loopback over http", "http://[::1]:10001/x"],
  ["listed localhost over http", "http://localhost:7071/x"],
  ["listed https host", "https://files.contoso.example/x"],
  ["host under a listed suffix", "https://eu.media.contoso.example/x"],
];

const REJECTED: readonly (readonly [string, string, RegExp])[] = [
  ["http to ACS storage", "http://storage.asm.skype.com/v1/objects/x", /http/],
  ["non-default port on ACS storage", "https://storage.asm.skype.com:8443/v1/objects/x", /port 8443/],
  ["port 80 with https", "https://storage.asm.skype.com:80/v1/objects/x", /port 80/],
  ["another host", "https://evil.example.com/v1/objects/x", /not an allowed ACS download host/],
  ["the bare suffix", "https://asm.skype.com/v1/objects/x", /not an allowed/],
  ["suffix inside a foreign domain", "https://asm.skype.com.evil.com/v1/objects/x", /not an allowed/],
  ["suffix glued to a label", "https://evilasm.skype.com/v1/objects/x", /not an allowed/],
  ["trailing-dot FQDN", "https://storage.asm.skype.com./v1/objects/x", /not an allowed/],
  ["skype.com but not asm", "https://storage.skype.com/v1/objects/x", /not an allowed/],
  ["userinfo on another host", "https://user@evil/", /user information/],
  ["allowed host as userinfo", "https://storage.asm.skype.com@evil.com/v1/objects/x", /user information/],
  ["user:password on an allowed host", "https://user:pw@storage.asm.skype.com/v1/objects/x", /user information/],
  ["IPv4 literal", "https://1.2.3.4/v1/objects/x", /IP address/],
  ["metadata service IP", "http://169.254.169.254/metadata/identity/oauth2/token", /IP address/],
  ["unlisted loopback, default port", "https://127.0.0.1/x", /IP address|port/],
  ["IPv6 literal", "https://[2001:db8::1]/x", /IP address/],
  ["IPv6 loopback without the listed port", "https://[::1]/x", /port|IP address/],
  ["IPv4-mapped IPv6", "https://[::ffff:127.0.0.1]:10000/x", /IP address/],
  ["decimal IPv4 (2130706433 = 127.0.0.1)", "http://2130706433/", /IP address|port/],
  ["hex IPv4", "https://0x7f.0.0.1/", /IP address|port/],
  ["listed loopback, other port", "http://127.0.0.1:10002/x", /port/],
  ["listed loopback port on another loopback name", "http://localhost:10000/x", /port/],
  ["unlisted loopback over http", "http://127.0.0.2:10000/x", /IP address/],
  ["listed https host over http", "http://files.contoso.example/x", /http/],
  ["listed host on another port", "https://files.contoso.example:8443/x", /port/],
  ["suffix host over http", "http://eu.media.contoso.example/x", /http/],
  ["the ACS endpoint over http", "http://contoso-test.communication.azure.com/recording/download/doc", /http/],
  [
    "the ACS endpoint on another port",
    "https://contoso-test.communication.azure.com:444/recording/download/doc",
    /port/,
  ],
  [
    "another communication.azure.com resource",
    "https://other.communication.azure.com/recording/download/doc",
    /not an allowed/,
  ],
  ["file:", "file:///etc/passwd", /scheme file:/],
  ["javascript:", "javascript:alert(1)", /scheme javascript:/],
  ["data:", "data:text/plain,hello", /scheme data:/],
  ["ftp:", "ftp://storage.asm.skype.com/v1/objects/x", /scheme ftp:/],
  ["ws:", "ws://storage.asm.skype.com/v1/objects/x", /scheme ws:/],
  ["relative path", "/v1/objects/x/content/video", /not an absolute URL/],
  ["host without scheme", "storage.asm.skype.com/v1/objects/x", /not an absolute URL|scheme/],
  ["scheme-relative", "//storage.asm.skype.com/v1/objects/x", /not an absolute URL/],
  ["empty", "", /not an absolute URL/],
  ["port out of range", "https://storage.asm.skype.com:70000/x", /not an absolute URL/],
];

describe("downloadUrlProblem: URLs that may receive a signed request", () => {
  it.each(ALLOWED)("%s: %s", (_name, url) => {
    expect(downloadUrlProblem(policy, url)).toBeUndefined();
  });

  it("allows the built-in suffixes and the endpoint without any ALLOWED_DOWNLOAD_HOSTS", () => {
    for (const suffix of ACS_DOWNLOAD_HOST_SUFFIXES)
      expect(downloadUrlProblem(builtIn, `https://x${suffix}/v1/objects/x`)).toBeUndefined();
    expect(downloadUrlProblem(builtIn, `${ENDPOINT}/recording/download/doc`)).toBeUndefined();
  });
});

describe("downloadUrlProblem: URLs that must not", () => {
  it.each(REJECTED)("%s: %s", (_name, url, reason) => {
    const problem = downloadUrlProblem(policy, url);
    expect(problem).toBeDefined();
    expect(problem).toMatch(reason);
  });

  it("rejects loopback over http when it is not listed, even on the port Azurite uses", () => {
    expect(downloadUrlProblem(builtIn, "http://127.0.0.1:10000/devstoreaccount1/x")).toBeDefined();
    expect(downloadUrlProblem(builtIn, "http://localhost:7071/x")).toBeDefined();
    expect(downloadUrlProblem(builtIn, "http://[::1]:10001/x")).toBeDefined();
  });

  it("does not let an https-only host listed in ALLOWED_DOWNLOAD_HOSTS use http", () => {
    const withHost = buildDownloadHostPolicy(["files.contoso.example:8443"], [ENDPOINT]);
    expect(downloadUrlProblem(withHost, "https://files.contoso.example:8443/x")).toBeUndefined();
    expect(downloadUrlProblem(withHost, "http://files.contoso.example:8443/x")).toMatch(/http/);
  });
});

describe("ports are compared as numbers, whatever the scheme", () => {
  // An entry is parsed as if it were https, so "host:443" is stored as "default port" and "host:80" as "80";
  // a URL's port is relative to its own scheme. The two must not be confused.
  it("an entry for loopback port 443 does not open http on port 80", () => {
    const p = buildDownloadHostPolicy(["127.0.0.1:443"], [ENDPOINT]);
    expect(downloadUrlProblem(p, "https://127.0.0.1:443/x")).toBeUndefined();
    expect(downloadUrlProblem(p, "http://127.0.0.1/x")).toBeDefined();
  });

  it("an entry for loopback port 80 allows http on port 80", () => {
    const p = buildDownloadHostPolicy(["localhost:80"], [ENDPOINT]);
    expect(downloadUrlProblem(p, "http://localhost:80/x")).toBeUndefined();
    expect(downloadUrlProblem(p, "https://localhost:80/x")).toBeUndefined();
  });
});

describe("buildDownloadHostPolicy", () => {
  it("keeps the built-in suffixes first and adds the endpoint host last", () => {
    expect(policy.suffixes.slice(0, ACS_DOWNLOAD_HOST_SUFFIXES.length)).toEqual([...ACS_DOWNLOAD_HOST_SUFFIXES]);
    expect(policy.suffixes).toContain(".media.contoso.example");
    expect(policy.hosts.at(-1)).toEqual({
      hostname: "contoso-test.communication.azure.com",
      port: "",
      allowHttp: false,
    });
  });

  it("allows http only for loopback entries", () => {
    const byName = new Map(policy.hosts.map((host) => [`${host.hostname}:${host.port}`, host.allowHttp]));
    expect(byName.get("127.0.0.1:10000")).toBe(true);
    expect(byName.get("[::1]:10001")).toBe(true);
    expect(byName.get("localhost:7071")).toBe(true);
    expect(byName.get("files.contoso.example:")).toBe(false);
  });

  it.each([
    "files.contoso.example/x",
    "user@files.contoso.example",
    "https://files.contoso.example",
    ".com",
    "bad host",
    "[::1",
    "127.0.0.1:99999",
  ])("refuses the entry %j, naming ALLOWED_DOWNLOAD_HOSTS", (entry) => {
    expect(() => buildDownloadHostPolicy([entry], [ENDPOINT])).toThrow(ConfigError);
    expect(() => buildDownloadHostPolicy([entry], [ENDPOINT])).toThrow(/ALLOWED_DOWNLOAD_HOSTS/);
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["localhost", true],
    ["LOCALHOST", true],
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["[::1]", true],
    ["::1", true],
    ["localhost.evil.example", false],
    ["127.0.0.1.nip.io", false],
    ["10.0.0.1", false],
    ["0.0.0.0", false],
    ["[::ffff:127.0.0.1]", false],
  ])("%s -> %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
