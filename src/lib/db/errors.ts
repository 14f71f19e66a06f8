/** Reads PostgreSQL error codes through drizzle's wrapping, for both pg and PGlite. */
function pgCode(error: unknown): { code?: string; constraint?: string } {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const candidate = current as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (typeof candidate.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return { code: candidate.code, constraint: typeof candidate.constraint === "string" ? candidate.constraint : undefined };
    }
    current = candidate.cause;
  }
  return {};
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const { code, constraint: name } = pgCode(error);
  return code === "23505" && (constraint === undefined || name === constraint);
}

export function isForeignKeyViolation(error: unknown): boolean {
  return pgCode(error).code === "23503";
}
