import { describe, expect, test } from "bun:test";
import type { z } from "zod";
import { agentDetail, agentSummary, agentVersion, downloadUrl, publishedAgent } from "./agents.ts";
import { category } from "./categories.ts";
import { userSummary } from "./common.ts";
import { errorBody } from "./errors.ts";
import { deprecation, packageMetadata } from "./lifecycle.ts";
import { provenance } from "./provenance.ts";
import { review } from "./reviews.ts";
import { oidcExchange, trustedPublisher } from "./trusted-publishing.ts";
import { user } from "./users.ts";
import { validationReport } from "./validation.ts";

const documented: z.ZodType[] = [
  agentSummary,
  agentVersion,
  agentDetail,
  publishedAgent,
  downloadUrl,
  category,
  user,
  userSummary,
  review,
  validationReport,
  errorBody,
  deprecation,
  packageMetadata,
  provenance,
  trustedPublisher,
  oidcExchange,
];

describe("the OpenAPI examples", () => {
  test.each(documented.map((schema) => [String(schema.meta()?.id), schema] as const))("%s: every example is valid for its schema", (_id, schema) => {
    const examples = (schema.meta()?.examples ?? []) as unknown[];
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(schema.safeParse(example).error?.issues).toBeUndefined();
  });
});
