import { z } from "zod";
import { agentSlugInput, slugParam, timestamp } from "./common.ts";
import { exampleDeprecation, exampleMetadata } from "./lifecycle-examples.ts";
import { text } from "./text.ts";

/** Yank (PEP 592), deprecation, and the metadata read from an archive (issue 17). */

export const deprecation = z
  .object({
    message: z.string(),
    replacement: z.string().nullable().describe("Slug of the agent to use instead"),
    deprecated_at: timestamp,
  })
  .nullable()
  .describe("Set while the author (or an admin) deprecates the agent; deprecated agents rank after others of similar relevance")
  .meta({ id: "Deprecation", examples: [exampleDeprecation] });

export const packageMetadata = z
  .object({
    license: z.string().nullable(),
    repository: z.string().nullable().describe("Source repository URL"),
    homepage: z.string().nullable(),
    keywords: z.array(z.string()).describe("Searched like the description"),
  })
  .meta({ id: "PackageMetadata", examples: [exampleMetadata] });

export const yankInput = agentSlugInput.extend({
  version: text().min(1).max(100).describe("Version string, e.g. 1.2.3"),
  reason: text().trim().min(1).max(1000).describe("Why, shown to everyone who installs it by its exact version"),
});

export const deprecateInput = agentSlugInput.extend({
  message: text().trim().min(1).max(1000),
  replacement: slugParam.optional().describe("Slug of an agent to use instead; it must exist"),
});

export type PackageMetadata = z.infer<typeof packageMetadata>;
export type Deprecation = z.infer<typeof deprecation>;
export type YankInput = z.infer<typeof yankInput>;
export type DeprecateInput = z.infer<typeof deprecateInput>;
