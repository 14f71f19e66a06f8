import type { AgentPage, AgentSummary } from "../contract/agents.ts";
import type { Category } from "../contract/categories.ts";
import type { Trending } from "../contract/discovery.ts";
import type { AgentDetailTool, InstallInstructions } from "../contract/mcp.ts";

/**
 * The short text beside each tool's structured content: what a person would want read out, one
 * line per agent. Clients that show only text still get the facts a next step needs (the slug).
 */

const DESCRIPTION_CHARS = 160;

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function agentLine(agent: AgentSummary): string {
  const version = agent.current_version ? `@${agent.current_version}` : " (no version)";
  const validated = agent.is_validated ? "validated" : `validation ${agent.validation_status}`;
  const privacy = agent.is_public ? "" : ", private";
  return `- ${agent.slug}${version} "${agent.name}" [${agent.category}; ${validated}; ${agent.downloads} downloads, ${agent.stars} stars, rating ${agent.rating}${privacy}]: ${shorten(agent.description, DESCRIPTION_CHARS)}`;
}

export function renderSearch(page: AgentPage): string {
  if (page.items.length === 0) return page.total === 0 ? "No agents match." : `No agents on this page (${page.total} match in all).`;
  const header = `${page.items.length} of ${page.total} matching agents (from #${page.offset + 1})${page.has_more ? "; more with a higher offset" : ""}:`;
  return [header, ...page.items.map(agentLine)].join("\n");
}

export function renderAgent(agent: AgentDetailTool): string {
  const lines = [agentLine(agent).slice(2), `by ${agent.author.username}; versions: ${agent.versions.map((v) => v.version).join(", ") || "none"}`];
  if (agent.validation) {
    const checks = agent.validation.checks.map((c) => `${c.name} ${c.status}`).join(", ");
    lines.push(`validation of ${agent.validation.version}: ${agent.validation.status}${checks ? ` (${checks})` : ""}`);
  }
  lines.push(agent.readme === null ? "No README." : `README:\n${agent.readme}`);
  return lines.join("\n");
}

export function renderCategories(list: { categories: Category[] }): string {
  if (list.categories.length === 0) return "No categories yet.";
  return list.categories.map((c) => `- ${c.slug} "${c.name}": ${c.agent_count} agents${c.description ? ` — ${shorten(c.description, 120)}` : ""}`).join("\n");
}

export function renderTrending(trending: Trending, period: string): string {
  if (trending.agents.length === 0) return `No public agent had downloads or stars in the last ${period}.`;
  return [
    `Rising in the last ${period} (downloads against the ${period} before):`,
    ...trending.agents.map((t) => `${agentLine(t.agent)} (downloads ${t.downloads_change})`),
  ].join("\n");
}

export function renderInstall(install: InstallInstructions): string {
  const expiry = install.download.expires_in === null ? "" : ` (valid ${install.download.expires_in} s)`;
  return [
    `${install.slug}@${install.version} (validation ${install.validation_status}, ${install.download.size_bytes} bytes, sha256 ${install.download.sha256})`,
    `CLI: ${install.cli}`,
    `SDK:\n${install.sdk}`,
    `Download${expiry}: ${install.download.url}`,
  ].join("\n");
}
