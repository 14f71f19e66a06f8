import { agentVersion, downloadUrl, versionInput, versionList } from "../src/contract/agents.ts";
import { agentSlugInput } from "../src/contract/common.ts";
import { yankInput } from "../src/contract/lifecycle.ts";
import { validationInput, validationReport } from "../src/contract/validation.ts";
import * as versions from "../src/services/agents/versions.ts";
import * as yank from "../src/services/agents/yank.ts";
import * as downloads from "../src/services/downloads/downloads.ts";
import { authedProcedure, publicProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["versions"];

export const versionsRouter = router({
  list: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/agents/{slug}/versions",
        tags,
        summary: "List an agent's versions, newest semver first",
        description: "`versions` repeats `items` for older clients.",
      },
    })
    .input(agentSlugInput)
    .output(versionList)
    .query(({ ctx, input }) => versions.listVersions(svc(ctx), input)),

  get: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/agents/{slug}/versions/{version}",
        tags,
        summary: "Get one version",
        description: "Its size, SHA-256 and validation state.",
      },
    })
    .input(versionInput)
    .output(agentVersion)
    .query(({ ctx, input }) => versions.getVersion(svc(ctx), input)),

  validation: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/agents/{slug}/validation",
        tags,
        summary: "Validation report of a version",
        description: "While a version is pending its report has no checks.",
      },
    })
    .input(validationInput)
    .output(validationReport)
    .query(({ ctx, input }) => versions.getValidationReport(svc(ctx), input)),

  downloadUrl: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/agents/{slug}/download-url",
        tags,
        summary: "A URL to download the current version from",
        description: "Counted as a download.",
      },
      // A quarantined version, for anyone but its author and admins.
      errors: [403],
    })
    .input(agentSlugInput)
    .output(downloadUrl)
    .query(({ ctx, input }) => downloads.getDownloadUrl(svc(ctx), input)),

  downloadUrlForVersion: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/agents/{slug}/download-url/{version}",
        tags,
        summary: "A URL to download one version from",
        description: "Counted as a download.",
      },
      // A quarantined version, for anyone but its author and admins.
      errors: [403],
    })
    .input(versionInput)
    .output(downloadUrl)
    .query(({ ctx, input }) => downloads.getDownloadUrl(svc(ctx), input)),

  yank: authedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/agents/{slug}/versions/{version}/yank",
        tags,
        summary: "Yank a version (PEP 592)",
        description:
          "Author or admin. The version is skipped when the latest version is resolved (detail, search, install and download without a version) but stays downloadable by its exact version, with a `Warning` header. Yanking again replaces the reason.",
        protect: true,
      },
    })
    .input(yankInput)
    .output(agentVersion)
    .mutation(({ ctx, input }) => yank.yankVersion(svc(ctx), input)),

  unyank: authedProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/agents/{slug}/versions/{version}/yank",
        tags,
        summary: "Undo a yank",
        description: "Author or admin. The version may become the latest again.",
        protect: true,
      },
    })
    .input(versionInput)
    .output(agentVersion)
    .mutation(({ ctx, input }) => yank.unyankVersion(svc(ctx), input)),
});
