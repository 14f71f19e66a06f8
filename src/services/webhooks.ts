import { createHmac, randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { users, webhookDeliveries } from "../../db/schema/index.ts";
import type { SetWebhookInput, WebhookSettings } from "../contract/webhooks.ts";
import { fieldError } from "../errors.ts";
import { type Destination, postToDestination, UnsafeDestination, vetDestination } from "../lib/net/pinned-post.ts";
import type { AuthedContext, ServiceContext } from "./context.ts";
import type { Ports } from "./ports.ts";

const SIGNATURE_HEADER = "X-Marketplace-Signature";
const DELIVERY_TIMEOUT_MS = 10_000;

export async function getWebhook(ctx: AuthedContext): Promise<WebhookSettings> {
  const [row] = await ctx.db.select({ url: users.webhookUrl, secret: users.webhookSecret }).from(users).where(eq(users.id, ctx.actor.user.id));
  return { url: row?.url ?? null, has_secret: Boolean(row?.secret) };
}

export async function setWebhook(ctx: AuthedContext, input: SetWebhookInput) {
  await assertDeliverable(ctx.ports, input.url, ["body", "url"]);
  const generated = input.secret ? undefined : randomBytes(24).toString("base64url");
  const secret = input.secret ?? generated!;
  await ctx.db.update(users).set({ webhookUrl: input.url, webhookSecret: secret }).where(eq(users.id, ctx.actor.user.id));
  return { url: input.url, has_secret: true, ...(generated ? { secret: generated } : {}) };
}

export async function deleteWebhook(ctx: AuthedContext): Promise<void> {
  await ctx.db.update(users).set({ webhookUrl: null, webhookSecret: null }).where(eq(users.id, ctx.actor.user.id));
}

/**
 * Records a notification for the user's webhook (if any) and queues its delivery.
 * Returns the delivery id, or null when the user has no webhook.
 */
export async function notifyUser(ctx: ServiceContext, userId: number, event: string, payload: Record<string, unknown>): Promise<number | null> {
  const [user] = await ctx.db.select({ url: users.webhookUrl }).from(users).where(eq(users.id, userId));
  if (!user?.url) return null;
  const [delivery] = await ctx.db.insert(webhookDeliveries).values({ userId, event, url: user.url, payload }).returning({ id: webhookDeliveries.id });
  await ctx.ports.queue.enqueue("deliver-webhook", { deliveryId: delivery!.id });
  return delivery!.id;
}

/** One delivery attempt. Throws on failure so the job loop retries with backoff. */
export async function deliverWebhook(ctx: ServiceContext, deliveryId: number, signal?: AbortSignal): Promise<"delivered" | "gone"> {
  const db = ctx.db;
  const [row] = await db
    .select({ delivery: webhookDeliveries, secret: users.webhookSecret })
    .from(webhookDeliveries)
    .innerJoin(users, eq(users.id, webhookDeliveries.userId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!row || row.delivery.status === "delivered") return "gone";
  const body = JSON.stringify({ event: row.delivery.event, delivery_id: deliveryId, data: row.delivery.payload });
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "agent-marketplace-webhooks" };
  if (row.secret) headers[SIGNATURE_HEADER] = `sha256=${signBody(row.secret, body)}`;
  try {
    // Checked again at delivery (DNS answers change), and the request goes to the address checked.
    const destination = await deliverableDestination(ctx.ports, row.delivery.url);
    const timeout = AbortSignal.timeout(DELIVERY_TIMEOUT_MS);
    const status = await postToDestination(destination, { headers, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    const ok = status >= 200 && status < 300;
    await db
      .update(webhookDeliveries)
      .set({
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        responseStatus: status,
        ...(ok ? { status: "delivered", deliveredAt: new Date(), lastError: null } : {}),
      })
      .where(eq(webhookDeliveries.id, deliveryId));
    if (!ok) throw new Error(`webhook answered ${status}`);
    return "delivered";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db
      .update(webhookDeliveries)
      .set({ lastError: message.slice(0, 500), ...(message.startsWith("webhook answered") ? {} : { attempts: sql`${webhookDeliveries.attempts} + 1` }) })
      .where(eq(webhookDeliveries.id, deliveryId));
    throw error;
  }
}

/** Marks a delivery failed for good (after the job's last attempt). */
export async function markWebhookFailed(ctx: ServiceContext, deliveryId: number): Promise<void> {
  await ctx.db.update(webhookDeliveries).set({ status: "failed" }).where(eq(webhookDeliveries.id, deliveryId));
}

export function signBody(secret: string, body: string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * Webhooks are requests our servers make on a user's behalf: unless configured otherwise they
 * reach public unicast addresses only (src/lib/net/ip-policy.ts), never the internal network.
 */
function deliverableDestination(ports: Ports, url: string): Promise<Destination> {
  return vetDestination(url, { ...(ports.env.WEBHOOK_ALLOW_PRIVATE ? { judge: () => ({ allowed: true }) } : {}) });
}

async function assertDeliverable(ports: Ports, url: string, loc: string[]): Promise<void> {
  try {
    await deliverableDestination(ports, url);
  } catch (error) {
    if (error instanceof UnsafeDestination) throw fieldError(loc, `Webhook URLs must reach a public address: ${error.message}`);
    throw error;
  }
}
