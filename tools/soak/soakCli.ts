import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseSoakFlags, USAGE } from "./cliFlags";
import { renderMarkdown } from "./markdown";
import { repoRoot } from "./repoRoot";
import { runSoak } from "./runSoak";

/**
 * `npm run soak`: the full fault soak (test code, not a product feature). Prints the seed first, progress on
 * stderr, the Markdown summary on stdout; writes bench/results/soak-latest.json. Exit code 1 when the
 * verification fails, 2 on a bad flag.
 */
async function main(): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  let parsed;
  try {
    parsed = parseSoakFlags(process.argv.slice(2), log);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (parsed.help) {
    console.log(USAGE);
    return 0;
  }
  const results = join(repoRoot(), "bench", "results");
  mkdirSync(results, { recursive: true });
  const options = {
    ...parsed.options,
    workerLogPath: parsed.options.workerLogPath ?? join(results, "soak-latest.log"),
  };
  log(`Soak seed ${options.seed} (replay with --seed ${options.seed}); worker log: ${options.workerLogPath}`);
  const report = await runSoak(options);
  const markdown = renderMarkdown(report);
  writeFileSync(join(results, "soak-latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(results, "soak-latest.md"), `${markdown}\n`);
  console.log(markdown);
  return report.passed ? 0 : 1;
}

// Exits explicitly: a run cut short (time limit) may leave a killed worker's timers behind.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
