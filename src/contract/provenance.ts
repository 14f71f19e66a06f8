import { z } from "zod";
import { exampleProvenance } from "./lifecycle-examples.ts";

/** How a version was published (issue 17): by a person with a credential, or by a trusted publisher from CI. */
const userProvenance = z.object({
  kind: z.literal("user"),
  user: z.object({ id: z.number().int().nonnegative(), username: z.string() }),
  credential: z.enum(["session", "api_token"]),
  token_id: z.number().int().nonnegative().nullable().describe("The API token's id; null for a session"),
});

const trustedPublisherProvenance = z.object({
  kind: z.literal("trusted_publisher"),
  provider: z.literal("github"),
  publisher_id: z.number().int().nonnegative().describe("The trusted publisher that matched (it may have been removed since)"),
  repository: z.string().describe("owner/name, from the ID token's `repository` claim"),
  workflow: z.string().describe("Workflow file name"),
  environment: z.string().nullable(),
  ref: z.string().nullable(),
  sha: z.string().nullable().describe("Commit SHA the workflow ran on"),
  run_id: z.string().nullable(),
  run_attempt: z.string().nullable(),
});

/**
 * Written out rather than inferred: the database column's type names it, and an inferred type
 * would carry zod's types into the client's emitted declarations.
 */
export type Provenance =
  | { kind: "user"; user: { id: number; username: string }; credential: "session" | "api_token"; token_id: number | null }
  | {
      kind: "trusted_publisher";
      provider: "github";
      publisher_id: number;
      repository: string;
      workflow: string;
      environment: string | null;
      ref: string | null;
      sha: string | null;
      run_id: string | null;
      run_attempt: string | null;
    };

export const provenance: z.ZodType<Provenance | null> = z
  .discriminatedUnion("kind", [userProvenance, trustedPublisherProvenance])
  .nullable()
  .describe("How this version was published; null for versions published before provenance was recorded")
  .meta({ id: "Provenance", examples: [exampleProvenance] });
