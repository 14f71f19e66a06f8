/** CORS from config: listed origins only, credentials allowed, any method and header. */
export function corsHeaders(request: Request, allowedOrigins: readonly string[]): Record<string, string> {
  const origin = request.headers.get("origin");
  if (!origin || !(allowedOrigins.includes(origin) || allowedOrigins.includes("*"))) return {};
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, ETag, Content-Disposition",
    Vary: "Origin",
  };
}

export function isPreflight(request: Request): boolean {
  return request.method === "OPTIONS" && request.headers.has("access-control-request-method");
}

export function preflightHeaders(request: Request): Record<string, string> {
  return {
    "Access-Control-Allow-Methods": request.headers.get("access-control-request-method") ?? "GET, POST, PUT, PATCH, DELETE",
    "Access-Control-Allow-Headers": request.headers.get("access-control-request-headers") ?? "*",
    "Access-Control-Max-Age": "600",
  };
}
