import { describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import { createLogger } from "./logger.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ LOG_LEVEL: "info", NODE_ENV: "test" }, stream), lines };
}

describe("logger", () => {
  test("credentials are censored at the top level, one object down and in request headers", () => {
    const { logger, lines } = capture();
    const input = { token: "am_live_secret1", user: { login: "ada", access_token: "gho_secret2" }, req: { headers: { authorization: "Bearer secret3" } } };
    logger.info(input, "login");
    const text = JSON.stringify(lines);
    expect(text).not.toContain("secret");
    expect(lines[0]).toMatchObject({
      token: "[redacted]",
      user: { login: "ada", access_token: "[redacted]" },
      req: { headers: { authorization: "[redacted]" } },
    });
    // The caller's object is left as it was.
    expect(input.user.access_token).toBe("gho_secret2");
  });

  test("a line without credentials is written as given, and a cycle does not hang it", () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    logger.info({ request_id: "r1", status: 200, nested: { refresh_token: "x" }, cyclic }, "request");
    expect(lines[0]).toMatchObject({ request_id: "r1", status: 200, nested: { refresh_token: "[redacted]" }, msg: "request" });
  });
});
