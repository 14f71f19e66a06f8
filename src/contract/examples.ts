import { exampleMetadata, exampleProvenance } from "./lifecycle-examples.ts";

/**
 * Example values of the main shapes, shown in the OpenAPI document (`.meta({ examples })`).
 * Plain data; src/contract/examples.test.ts parses each with its schema so none goes stale.
 */

const at = (day: number, time = "09:14:03.120") => `2026-11-${String(day).padStart(2, "0")}T${time}Z`;
const sha256 = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b";

export const exampleUserSummary = { id: 7, username: "octocat", avatar_url: "https://avatars.githubusercontent.com/u/583231" };

export const exampleUser = {
  ...exampleUserSummary,
  github_id: 583231,
  email: "583231+octocat@users.noreply.github.com",
  bio: "Builds agents for the weather",
  reputation: 12,
  role: "user" as const,
  is_active: true,
  created_at: at(1),
  updated_at: at(20),
};

export const exampleAgentVersion = {
  id: 311,
  agent_id: 42,
  version: "1.2.0",
  changelog: "Hourly forecasts",
  size_bytes: 18_432,
  sha256,
  tested: true,
  security_scan_passed: true,
  quality_score: 0.92,
  validation_status: "passed" as const,
  quarantined: false,
  quarantine_reason: null,
  yanked: false,
  yanked_reason: null,
  yanked_at: null,
  metadata: exampleMetadata,
  has_readme: true,
  provenance: exampleProvenance,
  published_at: at(20, "17:45:51.004"),
};

export const exampleAgentSummary = {
  id: 42,
  name: "Weather Agent",
  slug: "weather-agent",
  description: "Answers weather questions from public forecasts",
  author: exampleUserSummary,
  category: "productivity",
  current_version: "1.2.0",
  downloads: 1280,
  stars: 37,
  rating: 4.5,
  is_public: true,
  is_validated: true,
  validation_status: "passed" as const,
  deprecated: null,
  created_at: at(2),
  updated_at: at(20, "17:45:51.004"),
};

export const exampleAgent = { ...exampleAgentSummary, metadata: exampleMetadata, has_readme: true, versions: [exampleAgentVersion] };

export const examplePublishedAgent = {
  ...exampleAgent,
  current_version: "1.2.0",
  is_validated: false,
  validation_status: "pending" as const,
  versions: [{ ...exampleAgentVersion, tested: false, security_scan_passed: false, quality_score: null, validation_status: "pending" as const }],
  message: "Agent submitted for validation",
};

export const exampleCategory = { id: 3, name: "Productivity", slug: "productivity", icon: "⚡", description: "Agents that save you time", agent_count: 18 };

export const exampleReview = {
  id: 90,
  agent_id: 42,
  agent_slug: "weather-agent",
  agent_name: "Weather Agent",
  user: { id: 8, username: "hubot", avatar_url: null },
  rating: 5,
  comment: "Accurate and fast",
  helpful_count: 3,
  created_at: at(21),
  updated_at: at(21),
};

export const exampleValidationReport = {
  agent_slug: "weather-agent",
  version: "1.2.0",
  status: "failed" as const,
  started_at: at(20, "17:45:52.000"),
  finished_at: at(20, "17:46:04.310"),
  duration_ms: 12_310,
  checks: [
    { name: "archive" as const, status: "passed" as const, duration_ms: 14, summary: "6 files, 18 KiB", issues: [], issues_total: 0 },
    {
      name: "security" as const,
      status: "failed" as const,
      duration_ms: 41,
      summary: "1 high finding",
      issues: [{ severity: "high" as const, code: "aws_access_key", message: "An AWS access key id is in the code", file: "config.js", line: 3 }],
      issues_total: 1,
    },
  ],
};

export const exampleDownloadUrl = {
  url: "https://storage.example.com/agents/42/3a7bd3e2.zip?X-Amz-Signature=...",
  expires_in: 300,
  sha256,
  size_bytes: 18_432,
  version: "1.2.0",
};

export const exampleErrors = [
  { error: "not_found" as const, detail: "Agent 'weather-agent' not found" },
  { error: "validation_error" as const, detail: [{ loc: ["body", "version"], msg: "Version must be semver, e.g. 1.2.3 or 1.2.3-beta.1", type: "custom" }] },
  { error: "internal_error" as const, detail: "Internal server error", request_id: "0f8fad5b-d9cb-469f-a165-70867728950e" },
];
