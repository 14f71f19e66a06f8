import { z } from "zod";
import { GitHubError } from "./github.ts";

/**
 * GitHub's OAuth device flow (RFC 8628) for terminals: ask for a device and user code, then poll
 * the token endpoint until the user enters the code at GitHub. Only the client id is sent, as
 * GitHub specifies; the endpoints live under the configured web URL (Enterprise, the tests' fake).
 */

const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
const SCOPES = "read:user user:email";

export interface DeviceConfig {
  clientId: string;
  webUrl: string;
  timeoutMs: number;
}

const deviceCodeSchema = z.object({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().min(1),
  expires_in: z.number().int().positive(),
  interval: z.number().int().positive().default(5),
});

export type DeviceCode = z.infer<typeof deviceCodeSchema>;

/** A poll's answer: the user's GitHub access token, or wait (longer when GitHub said slow_down). */
export type DevicePoll = { kind: "token"; accessToken: string } | { kind: "pending"; interval?: number | undefined };

export function createGitHubDeviceClient(config: DeviceConfig) {
  const url = (path: string) => new URL(path, config.webUrl.endsWith("/") ? config.webUrl : `${config.webUrl}/`).toString();

  async function post(path: string, fields: Record<string, string>): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(url(path), {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "agent-marketplace" },
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      throw new GitHubError("unavailable", timedOut ? "GitHub did not answer in time" : "GitHub could not be reached");
    }
    if (response.status >= 500) throw new GitHubError("unavailable", `GitHub answered ${response.status}`);
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!body) throw new GitHubError(response.ok ? "unavailable" : "rejected", `GitHub answered ${response.status} without JSON`);
    return body;
  }

  return {
    async requestCode(): Promise<DeviceCode> {
      const body = await post("login/device/code", { client_id: config.clientId, scope: SCOPES });
      if (typeof body.error === "string") throw new GitHubError("rejected", describe(body));
      const parsed = deviceCodeSchema.safeParse(body);
      if (!parsed.success) throw new GitHubError("unavailable", "GitHub answered the device code request unexpectedly");
      return parsed.data;
    },

    async poll(deviceCode: string): Promise<DevicePoll> {
      const body = await post("login/oauth/access_token", { client_id: config.clientId, device_code: deviceCode, grant_type: GRANT_TYPE });
      if (typeof body.access_token === "string") return { kind: "token", accessToken: body.access_token };
      if (body.error === "authorization_pending") return { kind: "pending" };
      // GitHub's slow_down carries the new interval.
      if (body.error === "slow_down") return { kind: "pending", interval: typeof body.interval === "number" ? body.interval : undefined };
      if (body.error === "expired_token") throw new GitHubError("rejected", "The device code expired; start the login again");
      if (body.error === "access_denied") throw new GitHubError("rejected", "The login was cancelled at GitHub");
      throw new GitHubError("rejected", describe(body));
    },
  };
}

function describe(body: Record<string, unknown>): string {
  const code = String(body.error ?? "unknown");
  return typeof body.error_description === "string" && body.error_description
    ? `${body.error_description} (${code})`
    : `GitHub refused the device login (${code})`;
}
