/** True when the request's If-None-Match names `etag` (or `*`): the answer is a 304 without a body. */
export function notModified(request: Request, etag: string): boolean {
  return (
    request.headers
      .get("if-none-match")
      ?.split(",")
      .some((tag) => tag.trim() === etag || tag.trim() === "*") ?? false
  );
}
