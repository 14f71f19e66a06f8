import { Elysia } from "elysia";
import type { generateOpenApiDocument } from "trpc-to-openapi";
import type { z } from "zod";
import { githubCallbackInput, redirectUriInput } from "../contract/auth.ts";
import { ValidationFailed, zodIssuesToDetail } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import { completeGithubCallback, startGithubLogin } from "../services/auth/github-login.ts";
import { serviceContextOf } from "./context.ts";
import { openApiSchema } from "./openapi-zod.ts";
import { stateOf } from "./request-state.ts";
import { REST_PREFIX } from "./rest.ts";

/**
 * The REST-only redirects of the GitHub login: GET /auth/github (302 to GitHub) and, when
 * FRONTEND_URL is set, GET /auth/github/callback as a 302 to the front end with the tokens in
 * the URL fragment (never sent to a server, unlike a query). Without FRONTEND_URL the callback
 * is the JSON procedure. These static routes win over the REST bridge's wildcard.
 */
export function githubLoginRoutes(rt: Runtime) {
  const app = new Elysia().get(`${REST_PREFIX}/auth/github`, async ({ request }) => {
    const input = parseQuery(redirectUriInput, request);
    const { authorize_url } = await startGithubLogin(await serviceContextOf(rt, request), input);
    return redirect(authorize_url);
  });
  const frontend = rt.env.FRONTEND_URL;
  if (!frontend) return app;
  return app.get(`${REST_PREFIX}/auth/github/callback`, async ({ request }) => {
    const input = parseQuery(githubCallbackInput, request);
    const client = { ip: stateOf(request).ip, userAgent: request.headers.get("user-agent") };
    const tokens = await completeGithubCallback(await serviceContextOf(rt, request), { ...input, client });
    const target = new URL(frontend);
    target.hash = new URLSearchParams({
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      token_type: tokens.token_type,
      expires_in: String(tokens.expires_in),
    }).toString();
    return redirect(target.toString());
  });
}

type OpenApiPaths = NonNullable<Parameters<typeof generateOpenApiDocument>[1]["paths"]>;

/** How these routes appear in the OpenAPI document (trpc-to-openapi cannot describe a redirect). */
export const githubLoginOpenApiPaths = (components: Record<string, unknown>): OpenApiPaths => ({
  "/auth/github": {
    get: {
      tags: ["auth"],
      summary: "Start a GitHub login: 302 to GitHub's authorize URL (state and PKCE kept server-side for 10 minutes)",
      description: "For a browser. GitHub sends it back to the callback, or to `redirect_uri` when it is in the server's allow-list.",
      operationId: "auth-githubRedirect",
      security: [{}, { bearer: [] }],
      parameters: [
        { name: "redirect_uri", in: "query", required: false, schema: openApiSchema(redirectUriInput.shape.redirect_uri, components, "input") as never },
      ],
      responses: {
        "302": { description: "Redirect to GitHub" },
        "400": { description: "redirect_uri is not allowed", content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } } },
        "401": { $ref: "#/components/responses/InvalidToken" },
        "422": { $ref: "#/components/responses/ValidationError" },
        "503": { description: "GitHub login is not configured", content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } } },
      },
    },
  },
});

function redirect(location: string): Response {
  return new Response(null, { status: 302, headers: { Location: location, "Cache-Control": "no-store" } });
}

function parseQuery<T extends z.ZodType>(schema: T, request: Request): z.infer<T> {
  const parsed = schema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new ValidationFailed(zodIssuesToDetail(parsed.error, "query"));
  return parsed.data;
}
