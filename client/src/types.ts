import type { inferRouterError, inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./router.js";

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** The contract's objects, as the server sends them. */
export type Agent = RouterOutputs["agents"]["get"];
export type AgentSummary = Agent extends infer A ? Omit<A, "versions"> : never;
export type AgentVersion = RouterOutputs["versions"]["get"];
export type ValidationReport = RouterOutputs["versions"]["validation"];
export type ValidationStatus = ValidationReport["status"];
/** The 202 answer of publishing a new agent. */
export type PublishedAgent = Agent & { message: string };

/** The contract's error codes (`error` in every error body). */
export type ErrorCode = inferRouterError<AppRouter>["data"]["error"];
/** One problem of a 422: where (`loc` starts with body, query or path), what, and its kind. */
export interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}
