import type { DeviceLoginResult, DeviceLoginStart } from "../../contract/device-login.ts";
import type { Env } from "../../env.ts";
import { ServiceUnavailable } from "../../errors.ts";
import { createGitHubClient } from "../../lib/github.ts";
import { createGitHubDeviceClient } from "../../lib/github-device.ts";
import type { ServiceContext } from "../context.ts";
import { toUser } from "../users/users.ts";
import { accountRefusal, askGithub, upsertGithubUser } from "./accounts.ts";
import { type ClientInfo, createSession } from "./sessions.ts";

/**
 * The terminal's login (`agent-marketplace login`): GitHub's device flow, proxied so the CLI needs
 * no OAuth app of its own. Approval ends exactly like the web login: the GitHub account is
 * upserted (blocks and admin promotion apply) and a session is created.
 */

export async function startDeviceLogin(ctx: ServiceContext): Promise<DeviceLoginStart> {
  const { device } = clients(ctx.ports.env);
  return askGithub(() => device.requestCode());
}

export async function pollDeviceLogin(ctx: ServiceContext, input: { device_code: string; client: ClientInfo }): Promise<DeviceLoginResult> {
  const { device, api } = clients(ctx.ports.env);
  const answer = await askGithub(() => device.poll(input.device_code));
  if (answer.kind === "pending") return answer.interval === undefined ? { status: "pending" } : { status: "pending", interval: answer.interval };
  const profile = await askGithub(() => api.fetchProfile(answer.accessToken));
  const user = await upsertGithubUser(ctx, profile);
  const refusal = accountRefusal(user);
  if (refusal) throw refusal;
  const tokens = await createSession(ctx, user.id, input.client);
  return { status: "approved", ...tokens, user: toUser(user, true) };
}

function clients(env: Env) {
  if (!env.GITHUB_CLIENT_ID || !env.GITHUB_CLIENT_SECRET) throw new ServiceUnavailable("GitHub login is not configured on this server");
  const common = { clientId: env.GITHUB_CLIENT_ID, webUrl: env.GITHUB_URL, timeoutMs: env.GITHUB_TIMEOUT_MS };
  return {
    device: createGitHubDeviceClient(common),
    api: createGitHubClient({ ...common, clientSecret: env.GITHUB_CLIENT_SECRET, apiUrl: env.GITHUB_API_URL }),
  };
}
