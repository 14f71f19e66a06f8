import { z } from "zod";
import { deviceLoginResult, deviceLoginStart, deviceTokenInput } from "../src/contract/device-login.ts";
import * as device from "../src/services/auth/github-device.ts";
import { limitAuthAttempts } from "../src/trpc/auth-rate-limit.ts";
import { publicProcedure } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["auth"];

/** GitHub's device flow for the CLI; part of the auth router. */
export const deviceLoginProcedures = {
  githubDevice: publicProcedure
    .use(limitAuthAttempts)
    .meta({
      errors: [400, 503],
      openapi: {
        method: "POST",
        path: "/auth/github/device",
        tags,
        summary: "Start a GitHub device login (for terminals)",
        description:
          "Answers GitHub's user code and verification URI to show, and the device code to poll `/auth/github/device/token` with. 503 when GitHub login is not configured or GitHub is unreachable.",
      },
    })
    .input(z.void())
    .output(deviceLoginStart)
    .mutation(({ ctx }) => device.startDeviceLogin(svc(ctx))),

  // Not behind the auth attempt limit: a terminal polls every few seconds for minutes; GitHub paces it (slow_down).
  githubDeviceToken: publicProcedure
    .meta({
      errors: [400, 403, 503],
      openapi: {
        method: "POST",
        path: "/auth/github/device/token",
        tags,
        summary: "Poll a GitHub device login",
        description:
          '`{status: "pending", interval}` until the user entered the code at GitHub, then `{status: "approved"}` with a session like the web login\'s. 400 when the code expired or the login was cancelled; 403 for a blocked account.',
      },
    })
    .input(deviceTokenInput)
    .output(deviceLoginResult)
    .mutation(({ ctx, input }) => device.pollDeviceLogin(svc(ctx), { ...input, client: { ip: ctx.ip, userAgent: ctx.headers.get("user-agent") } })),
};
