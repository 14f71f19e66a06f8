import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, type ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import { DomainError, NotFound } from "../errors.ts";
import { type AgentDocs, readAgentDocs } from "../services/downloads/agent-docs.ts";
import { getPopular } from "../services/search/discovery.ts";
import { failureText, type McpRequestScope, timed } from "./calls.ts";

/** The spec's "resource not found" (MCP, server/resources, error handling). */
const RESOURCE_NOT_FOUND = -32002;

/**
 * A JSON-RPC error the SDK sends as it is (code, message); its McpError would prefix the message
 * with "MCP error <code>:", which the client's McpError then prefixes again.
 */
class ResourceError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
const LISTED = 50;

/**
 * `agent://{slug}` and `agent://{slug}@{version}`: the README and manifest of a version, read
 * from its archive (the current version without `@`). The listing is the most popular validated
 * agents; any other visible agent is read by its URI all the same.
 */
export function registerResources(server: McpServer, scope: McpRequestScope): void {
  const read = (uri: URL, slug: unknown, version?: unknown) => readDocs(scope, uri, String(slug), version === undefined ? undefined : String(version));
  // Registered first: the plain template's {slug} would also match "slug@1.0.0".
  server.registerResource(
    "agent-version",
    new ResourceTemplate("agent://{slug}@{version}", { list: undefined }),
    { title: "An agent version's README and manifest", description: "The README (Markdown) and agent.json or package.json of one version, from its archive." },
    (uri, variables) => read(uri, variables.slug, variables.version),
  );
  server.registerResource(
    "agent",
    new ResourceTemplate("agent://{slug}", { list: () => listPopular(scope) }),
    {
      title: "An agent's README and manifest",
      description: "The README (Markdown) and agent.json or package.json of the agent's current version, from its archive.",
    },
    (uri, variables) => read(uri, variables.slug),
  );
}

async function listPopular(scope: McpRequestScope) {
  const popular = await timed(scope, "resource", "list", () => getPopular(scope.ctx, { limit: LISTED }));
  return {
    resources: popular.items.map((agent) => ({
      uri: `agent://${agent.slug}`,
      name: agent.slug,
      title: agent.name,
      description: agent.description,
      mimeType: "text/markdown",
    })),
  };
}

async function readDocs(scope: McpRequestScope, uri: URL, rawSlug: string, rawVersion?: string): Promise<ReadResourceResult> {
  let docs: AgentDocs;
  try {
    const slug = decodeURIComponent(rawSlug);
    const version = rawVersion === undefined ? undefined : decodeURIComponent(rawVersion);
    docs = await timed(scope, "resource", "read", () => readAgentDocs(scope.ctx, { slug, version }));
  } catch (error) {
    if (error instanceof URIError) throw new ResourceError(ErrorCode.InvalidParams, `${uri.href} is not a valid agent URI`);
    const code =
      error instanceof NotFound ? RESOURCE_NOT_FOUND : error instanceof DomainError && error.status < 500 ? ErrorCode.InvalidParams : ErrorCode.InternalError;
    throw new ResourceError(code, failureText(scope, error));
  }
  return { contents: contentsOf(docs) };
}

function contentsOf({ agent, version, readme, manifest }: AgentDocs): ReadResourceResult["contents"] {
  const base = `agent://${agent.slug}@${version.version}`;
  const contents: ReadResourceResult["contents"] = [];
  if (readme) contents.push({ uri: `${base}#${readme.path}`, mimeType: "text/markdown", text: readme.text });
  if (manifest) {
    contents.push({ uri: `${base}#${manifest.path}`, mimeType: "application/json", text: manifest.text });
  } else {
    // No manifest in the archive: what the registry knows, in agent.json's shape.
    const registry = { name: agent.name, description: agent.description, version: version.version, public: agent.isPublic, changelog: version.changelog };
    contents.push({ uri: `${base}#registry.json`, mimeType: "application/json", text: `${JSON.stringify(registry, null, 2)}\n` });
  }
  return contents;
}
