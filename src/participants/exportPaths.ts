import { mkdir, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, posix, relative, resolve, sep, win32 } from "node:path";
import { UnsafeBlobNameError } from "./participantErrors";

/**
 * Where an exported file goes: `relative` (slash-separated, from blob names: data, not paths) below the export
 * directory, or UnsafeBlobNameError. Every segment must be a plain name (no empty, `.` or `..` segment, no `\`, no
 * `:` — a drive or an alternate data stream on Windows — and no control character), and the result must resolve
 * inside the directory with both POSIX and Windows path rules, whatever this machine is.
 */
export function exportTarget(directory: string, relativeName: string): string {
  const segments = relativeName.split("/");
  const bad = segments.find(
    // eslint-disable-next-line no-control-regex -- finding control characters is this pattern's job
    (segment) => segment === "" || segment === "." || segment === ".." || /[\\:\u0000-\u001f]/.test(segment),
  );
  if (bad !== undefined)
    throw new UnsafeBlobNameError(
      `The export path ${JSON.stringify(relativeName)} has an unusable segment; nothing was written for it.`,
    );
  const target = resolve(directory, ...segments);
  const inside = relative(directory, target);
  const winInside = win32.relative("C:\\export", win32.resolve("C:\\export", ...segments));
  const posixInside = posix.relative("/export", posix.resolve("/export", ...segments));
  for (const path of [inside, winInside, posixInside])
    if (path === "" || path.startsWith("..") || isAbsolute(path) || win32.isAbsolute(path))
      throw new UnsafeBlobNameError(
        `The export path ${JSON.stringify(relativeName)} resolves outside the export directory; nothing was written for it.`,
      );
  return target;
}

/**
 * Creates the export directory readable by its owner only (0700) when it does not exist; returns its real path and
 * whether an existing one is open to other users (said, not changed: it is the operator's).
 */
export async function prepareExportDirectory(directory: string): Promise<{ real: string; openToOthers: boolean }> {
  const existed = await stat(directory).then(
    () => true,
    () => false,
  );
  if (!existed) await mkdir(directory, { recursive: true, mode: 0o700 });
  const real = await realpath(directory);
  const mode = (await stat(real)).mode;
  return { real, openToOthers: existed && process.platform !== "win32" && (mode & 0o077) !== 0 };
}

/**
 * Creates the folders of `target` (0700) and checks, with links resolved, that its folder is still inside the export
 * directory (a link placed in the directory must not carry a write elsewhere).
 */
export async function prepareTargetFolder(realDirectory: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const realFolder = await realpath(dirname(target));
  if (realFolder !== realDirectory && !realFolder.startsWith(`${realDirectory}${sep}`))
    throw new UnsafeBlobNameError(
      `The export folder ${dirname(target)} resolves outside the export directory (a link?); nothing was written there.`,
    );
}
