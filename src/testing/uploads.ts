import { and, eq } from "drizzle-orm";
import { agents, agentVersions, storageDeletions } from "../../db/schema/index.ts";
import type { Runtime } from "../runtime.ts";
import { concatAll, sampleAgentZip } from "./zip.ts";

/** Multipart bodies built by hand, so tests can cut, stall or break them anywhere. */

export interface FormPart {
  name: string;
  value: string | Uint8Array;
  filename?: string;
  contentType?: string;
}

export function encodeMultipart(parts: FormPart[], boundary = `am-test-${crypto.randomUUID()}`): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    const filename = part.filename === undefined ? "" : `; filename="${part.filename}"`;
    const type = part.contentType ?? (part.filename === undefined ? undefined : "application/octet-stream");
    chunks.push(
      encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\n${type ? `Content-Type: ${type}\r\n` : ""}\r\n`),
    );
    chunks.push(typeof part.value === "string" ? encoder.encode(part.value) : part.value);
    chunks.push(encoder.encode("\r\n"));
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  return { body: concatAll(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface PublishForm {
  name?: string;
  description?: string;
  category?: string;
  version?: string;
  changelog?: string;
  is_public?: string;
  code?: Uint8Array | null;
}

/** The parts of a POST /agents body; fields left undefined are omitted, `code: null` drops the file. */
export function publishParts(form: PublishForm): FormPart[] {
  const { code, ...fields } = { description: "An agent published by a test", version: "1.0.0", ...form };
  const parts: FormPart[] = Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ({ name, value }));
  if (code !== null) parts.push({ name: "code", value: code ?? sampleAgentZip(), filename: "agent.zip", contentType: "application/zip" });
  return parts;
}

export function multipartInit(method: string, parts: FormPart[], headers: Record<string, string> = {}): RequestInit {
  const { body, contentType } = encodeMultipart(parts);
  return { method, headers: { ...headers, "content-type": contentType }, body };
}

/** Every object whose key starts with prefix. */
export async function storedKeys(rt: Runtime, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of rt.storage.list(prefix)) keys.push(object.key);
  return keys;
}

/**
 * Staged archives that no version refers to and that are not filed for removal after a
 * promotion: what a failed or finished publish must not leave.
 */
export async function orphanedStagingKeys(rt: Runtime): Promise<string[]> {
  const referenced = new Set((await rt.db.db.select({ key: agentVersions.storageKey }).from(agentVersions)).map((row) => row.key));
  const moved = await rt.db.db.select({ key: storageDeletions.storageKey }).from(storageDeletions).where(eq(storageDeletions.reason, "staging_moved"));
  for (const row of moved) referenced.add(row.key);
  return (await storedKeys(rt, "staging/")).filter((key) => !referenced.has(key));
}

/** What a failed upload must not leave: agents by that name, versions, objects, guard rows. */
export async function leftovers(rt: Runtime, name: string) {
  const db = rt.db.db;
  const agentRows = await db.select({ id: agents.id }).from(agents).where(eq(agents.name, name));
  const versionRows = agentRows.length
    ? await db
        .select({ id: agentVersions.id })
        .from(agentVersions)
        .where(and(eq(agentVersions.agentId, agentRows[0]!.id)))
    : [];
  const guards = await db.select({ key: storageDeletions.storageKey }).from(storageDeletions);
  return { agents: agentRows.length, versions: versionRows.length, guards: guards.map((g) => g.key), objects: await storedKeys(rt) };
}

/** Publishes through POST /agents and returns the 202 body; throws on any other status. */
export async function publishViaHttp(
  fetch: (path: string, init?: RequestInit) => Promise<Response>,
  token: string,
  form: PublishForm & { category: string; name: string },
): Promise<{ id: number; slug: string; versions: { id: number; version: string; sha256: string; size_bytes: number }[] }> {
  const res = await fetch("/api/v1/agents", multipartInit("POST", publishParts(form), { authorization: `Bearer ${token}` }));
  if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Awaited<ReturnType<typeof publishViaHttp>>;
}

/** Adds a version through POST /agents/{slug}/versions. */
export async function addVersionViaHttp(
  fetch: (path: string, init?: RequestInit) => Promise<Response>,
  token: string,
  slug: string,
  version: string,
  code: Uint8Array,
): Promise<{ id: number; version: string; sha256: string }> {
  const parts: FormPart[] = [
    { name: "version", value: version },
    { name: "code", value: code, filename: "agent.zip" },
  ];
  const res = await fetch(`/api/v1/agents/${slug}/versions`, multipartInit("POST", parts, { authorization: `Bearer ${token}` }));
  if (res.status !== 202) throw new Error(`publish version answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Awaited<ReturnType<typeof addVersionViaHttp>>;
}
