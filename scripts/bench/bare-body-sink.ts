/** The floor for upload memory: bare Bun.serve reading a request body chunk by chunk and dropping it. */
const port = Number(process.argv[2] ?? 8198);
Bun.serve({
  hostname: "127.0.0.1",
  port,
  maxRequestBodySize: Number(process.argv[3] ?? 1024 * 1024 * 1024),
  async fetch(request) {
    let bytes = 0;
    if (request.body) for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
    return Response.json({ bytes });
  },
});
console.log(`bare body sink on ${port}`);
