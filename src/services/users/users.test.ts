import { describe, expect, test } from "bun:test";
import type { User as UserRow } from "../../../db/schema/index.ts";
import { actorFor } from "../../testing/factories.ts";
import { ANONYMOUS } from "../actor.ts";
import { canSeeEmail, toUser } from "./users.ts";

const row = {
  id: 7,
  githubId: 583231,
  username: "octocat",
  email: "octocat@github.com",
  avatarUrl: null,
  bio: null,
  reputation: 0,
  role: "user",
  isActive: true,
  isBlocked: false,
  blockedReason: null,
  blockedAt: null,
  webhookUrl: null,
  webhookSecret: null,
  lastActiveAt: null,
  createdAt: new Date("2026-11-25T19:36:45.982Z"),
  updatedAt: new Date("2026-11-25T19:36:45.982Z"),
} satisfies UserRow;

describe("the User object", () => {
  test("the real email only for the user themself and admins; GitHub's no-reply form for everyone else", () => {
    const self = actorFor({ id: 7, username: "octocat", role: "user" });
    const admin = actorFor({ id: 1, username: "root", role: "admin" });
    const other = actorFor({ id: 2, username: "someone", role: "user" });
    expect(toUser(row, canSeeEmail(self, row.id)).email).toBe("octocat@github.com");
    expect(toUser(row, canSeeEmail(admin, row.id)).email).toBe("octocat@github.com");
    expect(toUser(row, canSeeEmail(other, row.id)).email).toBe("583231+octocat@users.noreply.github.com");
    expect(toUser(row, canSeeEmail(ANONYMOUS, row.id)).email).toBe("583231+octocat@users.noreply.github.com");
    // An admin's token without the admin scope is an ordinary user's.
    const adminCiToken = { kind: "apiToken", user: { id: 1, username: "root", role: "admin" }, tokenId: 1, scopes: ["read", "publish"] } as const;
    expect(toUser(row, canSeeEmail(adminCiToken, row.id)).email).toBe("583231+octocat@users.noreply.github.com");
    expect(toUser({ ...row, githubId: null }, false).email).toBe("octocat@users.noreply.github.com");
  });

  test("timestamps are RFC 3339 UTC with Z", () => {
    expect(toUser(row, false)).toMatchObject({ created_at: "2026-11-25T19:36:45.982Z", updated_at: "2026-11-25T19:36:45.982Z", github_id: 583231 });
  });
});
