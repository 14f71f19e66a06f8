import { z } from "zod";

/**
 * Every string a client sends goes through here: NUL (U+0000) is refused with a 422, once for
 * every field, because PostgreSQL cannot store it in text (it would be a 500 further down).
 */
export function text() {
  return z.string().refine((value) => !value.includes("\0"), { error: "Must not contain NUL characters" });
}

/** Bidi controls (Trojan Source, U+202E) and invisible characters that make a name read as another. */
const DECEPTIVE = /[\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD\u180E]/u;
/** Scripts whose letters pass for each other (а/a, ο/o, р/p): one word may use only one of them. */
const CONFUSABLE_SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u];

function mixesConfusableScripts(value: string): boolean {
  return value.split(/[\s\-_.]+/u).some((word) => CONFUSABLE_SCRIPTS.filter((script) => script.test(word)).length > 1);
}

/**
 * A name people read and trust (agents, categories): NFKC-normalised (fullwidth and compatibility
 * forms become plain letters), without bidi controls or invisible characters, and no word mixing
 * Latin, Cyrillic and Greek letters (homoglyph spoofing of another agent's name).
 */
export function displayName() {
  return text()
    .trim()
    .overwrite((value) => value.normalize("NFKC"))
    .refine((value) => !DECEPTIVE.test(value), { error: "Must not contain bidirectional controls or invisible characters" })
    .refine((value) => !mixesConfusableScripts(value), { error: "A word must not mix Latin, Cyrillic and Greek letters" });
}
