import { z } from "zod";
import { text } from "./text.ts";

export const webhookSettings = z.object({
  url: z.string().nullable().describe("Where validation results are POSTed; null when none is set"),
  has_secret: z.boolean().describe("Whether deliveries are signed (X-Marketplace-Signature: sha256=<hex HMAC of the body>)"),
});

export const setWebhookInput = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  secret: text().min(16).max(200).optional().describe("HMAC key; one is generated and returned once when omitted"),
});

export const setWebhookOutput = webhookSettings.extend({
  secret: z.string().optional().describe("The generated secret, shown once"),
});

export type WebhookSettings = z.infer<typeof webhookSettings>;
export type SetWebhookInput = z.infer<typeof setWebhookInput>;
