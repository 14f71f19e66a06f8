/**
 * The contract's slug rule (4.1): lower-case, keep letters, digits, `_` and `-`, turn runs of
 * whitespace and hyphens into one `-`, trim `-`. Letters and digits of any script are kept, as the
 * earlier Python version's `\w` did, so existing slugs keep resolving.
 */
export function slugify(name: string): string {
  return name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}_\s-]/gu, "")
    .replace(/[\s-]+/gu, "-")
    .replace(/^-+|-+$/g, "");
}

/** `base`, then `base-1`, `base-2`, ...: the first candidate not in `taken`. */
export function firstFreeSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 1; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
