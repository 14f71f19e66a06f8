import type { ValidationIssue } from "../../contract/validation.ts";
import type { CheckOutcome } from "./types.ts";

/**
 * What an uploaded agent prints and what its archive names are hostile text: PostgreSQL refuses
 * NUL in text and jsonb, and lone surrogates are not UTF-8. Both become U+FFFD before storing.
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function scrubText(value: string): string {
  return value.replace(UNSTORABLE, "\uFFFD");
}

export function scrubOutcome(outcome: CheckOutcome): CheckOutcome {
  return { ...outcome, summary: scrubText(outcome.summary), issues: outcome.issues.map(scrubIssue) };
}

function scrubIssue(issue: ValidationIssue): ValidationIssue {
  return {
    ...issue,
    code: scrubText(issue.code),
    message: scrubText(issue.message),
    ...(issue.file === undefined ? {} : { file: scrubText(issue.file) }),
  };
}
