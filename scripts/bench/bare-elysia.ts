/** The baseline for HTTP benchmarks: a bare Elysia route answering a small JSON body. */
import { Elysia } from "elysia";

const port = Number(process.argv[2] ?? 8199);
new Elysia().get("/bare", () => ({ categories: [], items: [] })).listen({ hostname: "127.0.0.1", port });
console.log(`bare elysia on ${port}`);
