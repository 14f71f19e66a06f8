import { afterEach, describe, expect, test } from "bun:test";
import { judgeAddress } from "./ip-policy.ts";
import { postToDestination, UnsafeDestination, vetDestination } from "./pinned-post.ts";

/** Loopback listeners that record what reaches them. */
const servers: { stop(force: boolean): unknown }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.stop(true);
});

function listen(hostname: string, port = 0) {
  const hits: string[] = [];
  const server = Bun.serve({
    hostname,
    port,
    async fetch(request) {
      hits.push(`${request.headers.get("host")} ${await request.text()}`);
      return new Response("ok");
    },
  });
  servers.push(server);
  return { port: server.port!, hits };
}

describe("pinned POST", () => {
  test("DNS rebinding: the name is resolved once and the socket connects to the address that was checked", async () => {
    const checked = listen("127.0.0.2");
    const rebound = listen("127.0.0.1", checked.port);
    const answers = [["127.0.0.2"], ["127.0.0.1"]];
    let lookups = 0;
    const resolve = async () => answers[Math.min(lookups++, 1)]!;
    // Here 127.0.0.1 stands for the internal network and 127.0.0.2 for the internet.
    const judge = (address: string) => (address === "127.0.0.1" ? { allowed: false as const, reason: "internal" } : { allowed: true as const });
    const destination = await vetDestination(`http://hook.example.test:${checked.port}/h`, { resolve, judge });
    const status = await postToDestination(destination, { headers: { "content-type": "application/json" }, body: "{}", signal: AbortSignal.timeout(5000) });
    expect(status).toBe(200);
    expect(lookups).toBe(1);
    expect(checked.hits).toEqual([`hook.example.test:${checked.port} {}`]);
    expect(rebound.hits).toEqual([]);
  });

  test("a name with any inward answer is refused, whichever answer comes first", async () => {
    const resolve = async () => ["93.184.216.34", "127.0.0.1"];
    await expect(vetDestination("http://mixed.example.test/", { resolve, judge: judgeAddress })).rejects.toBeInstanceOf(UnsafeDestination);
    await expect(vetDestination("http://localhost/")).rejects.toBeInstanceOf(UnsafeDestination);
    await expect(vetDestination("ftp://93.184.216.34/")).rejects.toBeInstanceOf(UnsafeDestination);
  });
});
