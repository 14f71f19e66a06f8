import { z } from "zod";
import { agentSort } from "./agents.ts";
import { paginationInput } from "./common.ts";
import { text } from "./text.ts";

export const usernameInput = z.object({ username: text().min(1).max(100).describe("GitHub login, case-insensitive") });

export const userAgentsInput = usernameInput.extend(paginationInput.shape).extend({
  sort: agentSort.default("created_at"),
});

export const userPageInput = usernameInput.extend(paginationInput.shape);

export type UserAgentsInput = z.infer<typeof userAgentsInput>;
export type UserPageInput = z.infer<typeof userPageInput>;
