/// <reference path="../../src/assets.d.ts" />
/**
 * The one file that reaches into the server, by type only. The build (scripts/build-client.ts)
 * replaces it with a self-contained declaration bundle, so the package names nothing of the server.
 */
export type { AppRouter } from "../../routers/_app.ts";
