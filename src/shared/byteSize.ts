/**
 * Byte-size units as the standards define them: SI prefixes are powers of 1000 (kB, MB, GB, TB), IEC prefixes
 * powers of 1024 (KiB, MiB, GiB, TiB). Case does not matter (`8mib`, `16 MB`, `512 KiB`); no unit means bytes.
 */
const UNITS: Readonly<Record<string, bigint>> = {
  "": 1n,
  b: 1n,
  kb: 1000n,
  mb: 1000n ** 2n,
  gb: 1000n ** 3n,
  tb: 1000n ** 4n,
  kib: 1024n,
  mib: 1024n ** 2n,
  gib: 1024n ** 3n,
  tib: 1024n ** 4n,
};

/**
 * The number of bytes `text` means (`64MiB` = 67,108,864, `10MB` = 10,000,000, `1.5GiB`, `12345`), or undefined
 * when it is not a byte size or not a whole, safe number of bytes (`1.5B`, `9999TiB`). Callers word their own
 * error (they know the setting or flag, and its range). Exact arithmetic: `0.1MB` is 100,000, not 100,000.00001.
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+)(?:\.(\d+))?\s*([a-z]*)\s*$/i.exec(text);
  const unit = UNITS[(match?.[3] ?? "").toLowerCase()];
  if (!match || unit === undefined) return undefined;
  const fraction = match[2] ?? "";
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(`${match[1] ?? ""}${fraction}`) * unit;
  if (scaled % scale !== 0n) return undefined;
  const bytes = scaled / scale;
  return bytes <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(bytes) : undefined;
}
