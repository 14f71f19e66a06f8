/** The key rules both stores enforce, so a key behaves the same on S3 and on disk. */

// Characters that are safe unescaped in S3 keys, URLs and file names alike; `~` is left out
// on purpose because the filesystem store uses it to mark its own files.
const KEY_CHARS = /^[A-Za-z0-9._\-/=+@,!]+$/;
const MAX_KEY_LENGTH = 1024;

/** Throws a plain Error when key could escape its namespace or misbehave on some backend. */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key, false);
  if (problem) throw new Error(`Invalid object key ${JSON.stringify(key)}: ${problem}`);
}

/** Like assertValidKey, but allows the empty prefix and a trailing `/`. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === "") return;
  const problem = keyProblem(prefix, true);
  if (problem) throw new Error(`Invalid object key prefix ${JSON.stringify(prefix)}: ${problem}`);
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (typeof key !== "string" || key.length === 0) return "empty";
  if (key.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  if (key.includes("\0")) return "contains NUL";
  if (key.includes("\\")) return "contains a backslash";
  if (key.startsWith("/")) return "starts with '/'";
  if (key.includes("..")) return "contains '..'";
  if (!KEY_CHARS.test(key)) return "contains characters outside [A-Za-z0-9._-/=+@,!]";
  if (key.includes("//")) return "contains an empty path segment";
  if (!isPrefix && key.endsWith("/")) return "ends with '/'";
  if (key.split("/").some((segment) => segment === ".")) return "contains a '.' segment";
  return undefined;
}
