/**
 * The fault suite (issue 14): each scenario on a PostgreSQL and a Redis of its own, with real
 * server processes, killed and restarted as an operator would see it happen. Prints one table and
 * exits 1 when any check fails. Needs root (PostgreSQL runs as `postgres`, the full disk is a
 * tmpfs) and the binaries scripts/services/up.sh installs.
 *
 *   bun scripts/faults/run.ts [--only NAME]     NAME: worker, redis, postgres, disk
 */
import { fullDiskDuringUploads } from "./full-disk.ts";
import { type FaultRow, printTable } from "./lib.ts";
import { postgresRestartUnderLoad } from "./postgres-restart.ts";
import { redisRestartUnderReads } from "./redis-restart.ts";
import { workerKillDuringValidations } from "./worker-kill.ts";

const scenarios: [string, () => Promise<FaultRow>][] = [
  ["worker", () => workerKillDuringValidations(50)],
  ["redis", () => redisRestartUnderReads(false)],
  ["redis", () => redisRestartUnderReads(true)],
  ["postgres", () => postgresRestartUnderLoad("fast")],
  ["postgres", () => postgresRestartUnderLoad("immediate")],
  ["disk", () => fullDiskDuringUploads()],
];

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const rows: FaultRow[] = [];
const started = performance.now();
for (const [name, scenario] of scenarios) {
  if (only && name !== only) continue;
  const t0 = performance.now();
  const result = await scenario();
  console.error(`[faults] ${result.scenario}: ${result.failures.length === 0 ? "ok" : "FAILED"} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  rows.push(result);
}
printTable(rows);
console.log(
  `fault suite: ${rows.filter((r) => r.failures.length === 0).length}/${rows.length} scenarios passed in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
process.exit(rows.every((r) => r.failures.length === 0) ? 0 : 1);
