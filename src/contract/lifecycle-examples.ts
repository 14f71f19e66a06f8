/**
 * Example values of the publishing-lifecycle shapes (yank, deprecation, metadata, provenance,
 * trusted publishing), shown in the OpenAPI document; src/contract/examples.test.ts parses each.
 */

export const exampleProvenance = {
  kind: "trusted_publisher" as const,
  provider: "github" as const,
  publisher_id: 5,
  repository: "octocat/weather-agent",
  workflow: "release.yml",
  environment: "release",
  ref: "refs/tags/v1.2.0",
  sha: "4f2b8c1d9e0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c",
  run_id: "9123456789",
  run_attempt: "1",
};

export const exampleDeprecation = {
  message: "No longer maintained; use weather-agent-pro",
  replacement: "weather-agent-pro",
  deprecated_at: "2026-11-22T10:00:00.000Z",
};

export const exampleMetadata = {
  license: "MIT",
  repository: "https://github.com/octocat/weather-agent",
  homepage: "https://octocat.github.io/weather-agent",
  keywords: ["weather", "forecast"],
};
export const exampleTrustedPublisher = {
  id: 5,
  provider: "github" as const,
  repository: "octocat/weather-agent",
  workflow: "release.yml",
  environment: "release",
  created_at: "2026-11-21T08:00:00.000Z",
};

export const exampleOidcExchange = {
  token: "ampp_4ctq3hyg5zq2m7c6xvnb2ojsk4yq3l7e",
  expires_at: "2026-11-22T10:15:00.000Z",
  agents: ["weather-agent"],
};
