/** Must not compile: each marked call passes a wrong type to the packed client. */
import { createMarketplaceClient } from "@agent-marketplace/client/node";

const client = createMarketplaceClient({ url: "http://127.0.0.1:8000" });
// WRONG 1: a slug is a string
await client.agents.get.query({ slug: 42 });
// WRONG 2: sort is one of the contract's values
await client.agents.list.query({ sort: "popularity" });
// WRONG 3: isPublic is a boolean
await client.publish({ dir: ".", isPublic: "yes" });
// WRONG 4: no such procedure
await client.agents.explode.mutate({ slug: "x" });
