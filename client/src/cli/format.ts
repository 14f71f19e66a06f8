import type { CliContext } from "./context.js";

/** Human output: tables with aligned columns, sizes, validation reports. */

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Columns padded to their widest cell; long cells are cut at `max` characters. */
export function table(headers: string[], rows: (string | number | null | undefined)[][], max = 60): string[] {
  const cells = [headers, ...rows.map((row) => row.map((c) => clip(c === null || c === undefined ? "-" : String(c), max)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
}

function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export interface ReportLike {
  status: string;
  duration_ms?: number | null;
  durationMs?: number;
  checks: {
    name: string;
    status: string;
    summary: string;
    issues: { severity: string; code: string; message: string; file?: string | undefined; line?: number | undefined }[];
  }[];
}

/** One line per check, then the issues of the checks that did not pass (most severe first as stored). */
export function printReport(ctx: CliContext, report: ReportLike): void {
  const duration = report.duration_ms ?? report.durationMs;
  ctx.out(`validation ${report.status}${duration === null || duration === undefined ? "" : ` in ${(duration / 1000).toFixed(1)} s`}`);
  for (const check of report.checks) {
    ctx.out(`  ${check.status.padEnd(8)} ${check.name.padEnd(14)} ${check.summary}`);
    if (check.status === "passed" || check.status === "skipped") continue;
    for (const issue of check.issues.slice(0, 20)) {
      const where = issue.file ? ` ${issue.file}${issue.line ? `:${issue.line}` : ""}` : "";
      ctx.out(`      [${issue.severity}] ${issue.code}${where}: ${issue.message}`);
    }
    if (check.issues.length > 20) ctx.out(`      ... and ${check.issues.length - 20} more`);
  }
}
