import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { McpRequestScope } from "./calls.ts";
import { registerResources } from "./resources.ts";
import { registerTools } from "./tools.ts";

const INSTRUCTIONS = `The Agent Marketplace: a registry of AI agents that are validated (archive safety, security scan, quality, tests) before they are listed.
To find an agent for a task: search_agents with words describing the task (validated_only for vetted ones), then get_agent on a promising slug to read its README and validation, then get_install_instructions to install it.
Resources agent://{slug} and agent://{slug}@{version} hold an agent's README and manifest.`;

/**
 * The MCP server of one /mcp request (the SDK's stateless pattern: a server and a transport per
 * request). Its tools and resources act as that request's caller.
 */
export function createMcpServer(scope: McpRequestScope, info: { name: string; version: string }): McpServer {
  const server = new McpServer({ name: info.name, version: info.version }, { instructions: INSTRUCTIONS, maxToolInputElements: 100 });
  registerTools(server, scope);
  registerResources(server, scope);
  return server;
}
