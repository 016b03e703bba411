import { describe, expect, it } from "vitest";
import { parseSoakFlags } from "../../tools/soak/cliFlags";
import { FULL_SOAK, SHORT_SOAK } from "../../tools/soak/soakOptions";

const log = (): void => undefined;

describe("soak command line", () => {
  it("starts from the chosen profile and overrides only the flags given", () => {
    const { options, help } = parseSoakFlags(
      [
        "--short",
        "--chunks",
        "12",
        "--max-size",
        "2MiB",
        "--block-size",
        "1MB",
        "--seed",
        "7",
        "--delete-after-archive",
      ],
      log,
    );
    expect(help).toBe(false);
    expect(options).toMatchObject({
      ...SHORT_SOAK,
      chunks: 12,
      maxSize: 2 * 1024 * 1024,
      blockSize: 1_000_000,
      seed: 7,
      deleteAfterArchive: true,
    });
    expect(parseSoakFlags(["--seed", "1"], log).options).toMatchObject({ ...FULL_SOAK, seed: 1 });
    expect(parseSoakFlags(["--help"], log).help).toBe(true);
  });

  it("refuses bad flags with the usage", () => {
    expect(() => parseSoakFlags(["--chunks"], log)).toThrow(/^--chunks needs a value\nUsage: npm run soak/);
    expect(() => parseSoakFlags(["--bogus"], log)).toThrow(/^unknown argument "--bogus"\nUsage/);
    expect(() => parseSoakFlags(["--max-size", "lots"], log)).toThrow(
      /--max-size must be a size like 300MiB; got "lots"/,
    );
    expect(() => parseSoakFlags(["--kill-rate", "2"], log)).toThrow(/--kill-rate must be a number from 0 to 1/);
  });
});
