import { describe, expect, it } from "vitest";
import { parseByteSize } from "../../src/shared/byteSize";

describe("parseByteSize", () => {
  it.each([
    ["12345", 12_345],
    ["0", 0],
    ["7B", 7],
    ["512 KiB", 512 * 1024],
    ["8MiB", 8 * 1024 ** 2],
    ["8mib", 8 * 1024 ** 2],
    ["1.5GiB", 1_610_612_736],
    ["2TiB", 2 * 1024 ** 4],
    ["10MB", 10_000_000],
    ["16 mb", 16_000_000],
    ["1kB", 1000],
    ["2.5GB", 2_500_000_000],
    ["0.1MB", 100_000],
    [" 64MiB ", 64 * 1024 ** 2],
    ["1.25KiB", 1280],
  ])("reads %j as %i bytes (MB = 10^6, MiB = 2^20)", (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each([
    "",
    "lots",
    "MiB",
    "-1MiB",
    "1e6",
    "1.5",
    "1.5B",
    "0.0001KB",
    "1.",
    ".5MiB",
    "8 Mbit",
    "8MiBs",
    "1,000",
    "9999999TiB",
  ])("rejects %j (not a byte size, or not a whole, safe number of bytes)", (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });
});
