/**
 * Helpers for the validation tests: unpack a fixture zip the way the pipeline does, and find
 * processes a sandboxed run may have left behind.
 */
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createSandboxWorkDir } from "../lib/sandbox/work-dirs.ts";
import { checkArchive } from "../services/validation/archive.ts";
import type { AgentPackage } from "../services/validation/types.ts";
import { writeZip, type ZipWriterEntry } from "./zip-writer.ts";

export interface UnpackedAgent extends AgentPackage {
  cleanup(): Promise<void>;
}

/** Unpacks entries (or a zip) through the archive check into a sandbox-readable temp dir. */
export async function unpackAgent(source: ZipWriterEntry[] | Uint8Array): Promise<UnpackedAgent> {
  const zip = source instanceof Uint8Array ? source : writeZip(source);
  const workDir = await createSandboxWorkDir();
  const result = await checkArchive(zip, join(workDir, "agent"));
  if (!result.agent) {
    await rm(workDir, { recursive: true, force: true });
    throw new Error(`Fixture did not unpack: ${result.outcome.summary}`);
  }
  return { ...result.agent, cleanup: () => rm(workDir, { recursive: true, force: true }) };
}

/** Pids of live processes whose command line contains `needle` (zombies excluded). */
export function processesMatching(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1];
      if (cmdline.includes(needle) && state !== "Z") found.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}
