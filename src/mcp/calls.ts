import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { DomainError, describeDomainError, type ErrorBody } from "../errors.ts";
import type { ServiceContext } from "../services/context.ts";

/** What every tool and resource of one /mcp request shares: its service context and request id. */
export interface McpRequestScope {
  ctx: ServiceContext;
  requestId: string;
}

/** Runs a service call under the MCP metric (kind, name, outcome), like procedures are timed. */
export async function timed<T>(scope: McpRequestScope, kind: "tool" | "resource", name: string, run: () => Promise<T>): Promise<T> {
  const stop = scope.ctx.ports.metrics.mcpCallDuration.startTimer({ kind, name });
  try {
    const value = await run();
    stop({ outcome: "ok" });
    return value;
  } catch (error) {
    stop({ outcome: "error" });
    throw error;
  }
}

/**
 * A tool's answer: the contract shape as structured content, and a short text for models and
 * clients that read only text. A service's refusal (not found, quarantined, storage down) is a
 * tool error the model can read and act on, never a protocol failure.
 */
export async function toolAnswer<T extends object>(
  scope: McpRequestScope,
  name: string,
  run: () => Promise<T>,
  render: (value: T) => string,
): Promise<CallToolResult> {
  try {
    const value = await timed(scope, "tool", name, run);
    return { structuredContent: value as Record<string, unknown>, content: [{ type: "text", text: render(value) }] };
  } catch (error) {
    return { isError: true, content: [{ type: "text", text: failureText(scope, error) }] };
  }
}

/** The contract's error as one line for a model: the detail, and the request id of a 5xx. */
export function failureText(scope: McpRequestScope, error: unknown): string {
  if (!(error instanceof DomainError)) {
    scope.ctx.logger.error({ err: error, request_id: scope.requestId }, "unhandled error in an MCP call");
    return `Internal error (request id ${scope.requestId}); try again later.`;
  }
  const { status, body } = describeDomainError(error, scope.requestId);
  const detail = detailText(body.detail);
  return status >= 500 ? `${detail} (${body.error}, request id ${scope.requestId})` : `${detail} (${body.error})`;
}

function detailText(detail: ErrorBody["detail"]): string {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map((issue) => `${issue.loc.join(".")}: ${issue.msg}`).join("; ");
  return JSON.stringify(detail);
}
