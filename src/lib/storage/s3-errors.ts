import { S3ServiceException } from "@aws-sdk/client-s3";

/** What S3's refusals and the SDK's failures mean, and how they are told to an operator. */

export function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return name === "NoSuchKey" || name === "NotFound" || (statusOf(error) === 404 && name !== "NoSuchBucket");
}

/** Network failures from the SDK name neither the endpoint nor the bucket; operators need both. */
export function describeFailure(error: unknown, endpoint: string | undefined): Error {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new Error(`S3 at ${endpoint ?? "AWS"} is not usable (${reason})`, { cause: error });
}

/** The SDK names some S3 refusals only "UnknownError"; the status code tells an operator more. */
export function explainSdkFailure(action: string): (error: unknown) => never {
  return (error) => {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    throw new Error(`S3 answered ${status ?? "no status"} ${errorName(error) ?? String(error)} to ${action}`, { cause: error });
  };
}

/** A refusal of a plain (presigned) request, named by the error code in S3's XML body. */
export async function refusal(response: Response, action: string): Promise<Error> {
  const detail = await response.text().catch(() => "");
  const code = /<Code>([^<]+)<\/Code>/.exec(detail)?.[1];
  return new Error(`S3 answered ${response.status} ${code ?? response.statusText} to ${action}`);
}
