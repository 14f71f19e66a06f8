import { z } from "zod";
import { tokenResponse } from "./auth.ts";
import { text } from "./text.ts";

/** GitHub's device flow through the server: start, then poll until the user approved at GitHub. */

export const deviceLoginStart = z
  .object({
    device_code: z.string().describe("Send it to /auth/github/device/token; keep it to yourself"),
    user_code: z.string().describe("Show it to the user: they enter it at verification_uri"),
    verification_uri: z.string().describe("Where the user enters the code (GitHub's /login/device)"),
    expires_in: z.number().int().positive().describe("Seconds the codes stay valid"),
    interval: z.number().int().positive().describe("Seconds to wait between polls"),
  })
  .meta({ id: "DeviceLoginStart" });

export const deviceTokenInput = z.object({ device_code: text().min(1).max(200) });

const deviceLoginPending = z.object({
  status: z.literal("pending"),
  interval: z.number().int().positive().optional().describe("Only when GitHub asked to slow down: the seconds to wait between polls from now on"),
});

export const deviceLoginResult = z
  .discriminatedUnion("status", [deviceLoginPending, tokenResponse.extend({ status: z.literal("approved") })])
  .meta({ id: "DeviceLoginResult" });

export type DeviceLoginStart = z.infer<typeof deviceLoginStart>;
export type DeviceLoginResult = z.infer<typeof deviceLoginResult>;
