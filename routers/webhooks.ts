import { z } from "zod";
import { setWebhookInput, setWebhookOutput, webhookSettings } from "../src/contract/webhooks.ts";
import { deleteWebhook, getWebhook, setWebhook } from "../src/services/webhooks.ts";
import { authedProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["users"];

export const webhooksRouter = router({
  get: authedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/users/me/webhook",
        tags,
        summary: "Your validation-notification webhook",
        description: "Where validation results of your agents are posted, if anywhere.",
        protect: true,
      },
    })
    .input(z.void())
    .output(webhookSettings)
    .query(({ ctx }) => getWebhook(svc(ctx))),

  set: authedProcedure
    .meta({
      openapi: {
        method: "PUT",
        path: "/users/me/webhook",
        tags,
        summary: "Set the URL that receives a signed POST when a validation of one of your agents finishes",
        description: "The answer carries the signing secret, shown once. Loopback and private addresses are refused unless the server allows them.",
        protect: true,
      },
    })
    .input(setWebhookInput)
    .output(setWebhookOutput)
    .mutation(({ ctx, input }) => setWebhook(svc(ctx), input)),

  delete: authedProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/users/me/webhook",
        tags,
        summary: "Stop webhook notifications",
        description: "Validations of your agents finish without a call.",
        protect: true,
      },
      status: 204,
    })
    .input(z.void())
    .output(z.void())
    .mutation(({ ctx }) => deleteWebhook(svc(ctx))),
});
