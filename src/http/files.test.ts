import { describe, expect, test } from "bun:test";
import { useTestApp } from "../testing/harness.ts";

describe("app-signed file URLs of the filesystem store [embedded]", () => {
  const t = useTestApp("embedded");

  async function signed(key: string, bytes: Uint8Array, ttl = 60) {
    await t.rt.storage.put(key, bytes, { contentType: "application/zip" });
    const url = new URL(await t.rt.storage.signedUrl(key, ttl, { filename: "agent-1.0.0.zip" }));
    return `${url.pathname}${url.search}`;
  }

  test("a signed URL serves the bytes with length, type and attachment name", async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(70_000));
    const res = await t.fetch(await signed("agents/files-test/a.zip", bytes));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("70000");
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toContain("agent-1.0.0.zip");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  test("a tampered signature, another key or a missing signature is 403", async () => {
    const path = await signed("agents/files-test/b.zip", new Uint8Array([1, 2, 3]));
    const tampered = path.replace(/sig=([0-9a-f])/, (_, c: string) => `sig=${c === "0" ? "1" : "0"}`);
    expect((await t.fetch(tampered)).status).toBe(403);
    expect((await t.fetch(path.replace("b.zip", "c.zip"))).status).toBe(403);
    expect((await t.fetch(path.split("?")[0]!)).status).toBe(403);
    const body = (await (await t.fetch(tampered)).json()) as { error: string };
    expect(body.error).toBe("forbidden");
  });

  test("an expired URL is 403", async () => {
    const path = await signed("agents/files-test/d.zip", new Uint8Array([4]));
    const expired = path.replace(/expires=\d+/, `expires=${Math.floor(Date.now() / 1000) - 5}`);
    expect((await t.fetch(expired)).status).toBe(403);
  });
});
