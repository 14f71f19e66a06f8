import { z } from "zod";

/**
 * Every string a client sends goes through here: NUL (U+0000) is refused with a 422, once for
 * every field, because PostgreSQL cannot store it in text (it would be a 500 further down).
 */
export function text() {
  return z.string().refine((value) => !value.includes("\0"), { error: "Must not contain NUL characters" });
}
