import type { AnyRouter } from "@trpc/server";

type Meta = {
  openapi?: { method: string; path: string; enabled?: boolean };
  status?: number;
  auth?: "public" | "user" | "admin";
  errors?: readonly number[];
};

export interface RestRoute {
  method: string;
  /** The path template under /api/v1, e.g. `/categories/{slug}`; the metrics label. */
  template: string;
  procedure: string;
  params: string[];
  pattern: RegExp;
  status: number;
  /** Who may call it; public routes still accept a bearer (private agents show to their author). */
  auth?: "public" | "user" | "admin";
  /** Error statuses beyond what the tier, path and input imply (for the OpenAPI document). */
  errors?: readonly number[];
}

/** Every REST route the tRPC router declares, for 405 answers, metrics labels and 2xx codes. */
export function restRoutesOf(router: AnyRouter): RestRoute[] {
  const routes: RestRoute[] = [];
  const procedures = router._def.procedures as Record<string, { _def: { meta?: Meta } }>;
  for (const [procedure, def] of Object.entries(procedures)) {
    const meta = def._def.meta;
    if (!meta?.openapi || meta.openapi.enabled === false) continue;
    routes.push({ ...makeRoute(meta.openapi.method, meta.openapi.path, procedure, meta.status ?? 200), auth: meta.auth, errors: meta.errors });
  }
  return routes;
}

export function makeRoute(method: string, template: string, procedure: string, status = 200): RestRoute {
  const params: string[] = [];
  const source = template
    .split("/")
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
      params.push(param[1]!);
      return "([^/]+)";
    })
    .join("/");
  return { method: method.toUpperCase(), template, procedure, params, pattern: new RegExp(`^${source}/?$`), status };
}

export interface RouteMatch {
  route?: RestRoute;
  /** Methods that exist for this path, when the asked method does not. */
  allowed: string[];
}

export function matchRoute(routes: RestRoute[], method: string, path: string): RouteMatch {
  const allowed = new Set<string>();
  for (const route of routes) {
    if (!route.pattern.test(path)) continue;
    if (route.method === method) return { route, allowed: [] };
    allowed.add(route.method);
  }
  if (method === "HEAD") {
    const get = routes.find((r) => r.method === "GET" && r.pattern.test(path));
    if (get) return { route: get, allowed: [] };
  }
  return { allowed: [...allowed].sort() };
}
