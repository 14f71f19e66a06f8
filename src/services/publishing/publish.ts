import { randomBytes } from "node:crypto";
import { and, eq, like, notExists, or, sql } from "drizzle-orm";
import { agents, agentVersions } from "../../../db/schema/index.ts";
import type { AgentVersion, PublishAgentFields, PublishedAgent, PublishVersionFields } from "../../contract/agents.ts";
import type { Provenance } from "../../contract/provenance.ts";
import { compareSemver, parseSemver, type Semver } from "../../contract/semver.ts";
import { Conflict, Forbidden, fieldError, Unauthorized } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import { type Actor, type Caller, isCaller, mayChange, PUBLISH_ONLY_MESSAGE, READ_ONLY_MESSAGE, SYSTEM, type TrustedPublisherActor } from "../actor.ts";
import { agentDetail } from "../agents/agents.ts";
import { type AgentRow, agentNotFound, findVisibleAgent, isAuthor, visibleTo } from "../agents/queries.ts";
import { firstFreeSlug, slugify } from "../agents/slug.ts";
import { refreshCurrentVersion, toAgentVersion, type VersionRow, versionRowColumns } from "../agents/versions.ts";
import { invalidateCatalog } from "../catalog-cache.ts";
import { resolveCategoryRef } from "../categories.ts";
import { type ServiceContext, withTransaction } from "../context.ts";
import { discardGuardedObject, releasePendingObject } from "../storage/deletions.ts";
import { enqueueValidation } from "../validation/queue.ts";
import type { StagedUpload } from "./uploads.ts";

/**
 * Publishing (contract 4.1). The archive is already staged (uploads.ts); here it gets its rows,
 * and the version keeps the staging key until validation passes and promotes the archive to its
 * content-addressed key (one server-side copy). The upload's storage_deletions guard is released
 * by the transaction that references it, so a crash at any point leaves the cleanup job
 * something to find, never an orphan; a publish that fails drops the upload.
 */

const PUBLISHED_MESSAGE = "Agent submitted for validation";

export type PublishAgentInput = PublishAgentFields & { upload: StagedUpload };
export type PublishVersionInput = PublishVersionFields & { slug: string; upload: StagedUpload };

/** Publishing is a change: a `read` token may not. REST-only routes call this (tRPC tiers do the same). */
export function requirePublisher(actor: Actor): Caller {
  if (actor.kind === "trustedPublisher") throw new Forbidden(PUBLISH_ONLY_MESSAGE);
  if (!isCaller(actor)) throw new Unauthorized();
  if (!mayChange(actor)) throw new Forbidden(READ_ONLY_MESSAGE);
  return actor;
}

/** The agent a new version may be published to by this actor: 404 when hidden, 403 when not theirs. */
export async function findPublishTarget(db: Executor, actor: Actor, slug: string): Promise<AgentRow> {
  if (actor.kind === "trustedPublisher") return findTrustedPublishTarget(db, actor, slug);
  const publisher = requirePublisher(actor);
  const agent = await findVisibleAgent(db, publisher, slug);
  if (!isAuthor(publisher, agent)) throw new Forbidden("Only the author can publish versions of this agent");
  return agent;
}

/** A trusted publisher's token names its agents (private ones too); any other agent is 403, or 404 when hidden. */
async function findTrustedPublishTarget(db: Executor, actor: TrustedPublisherActor, slug: string): Promise<AgentRow> {
  const [agent] = await db.select().from(agents).where(eq(agents.slug, slug));
  if (agent && actor.agentIds.includes(agent.id)) return agent;
  await findVisibleAgent(db, actor, slug);
  throw new Forbidden(PUBLISH_ONLY_MESSAGE);
}

/** What a new version records about how it was published (issue 17, provenance). */
function provenanceOf(actor: Actor, agentId: number): Provenance | null {
  if (actor.kind === "trustedPublisher") return actor.provenance[String(agentId)] ?? null;
  if (!isCaller(actor)) return null;
  const user = { id: actor.user.id, username: actor.user.username };
  return actor.kind === "apiToken"
    ? { kind: "user", user, credential: "api_token", token_id: actor.tokenId }
    : { kind: "user", user, credential: "session", token_id: null };
}

export async function publishAgent(ctx: ServiceContext, input: PublishAgentInput): Promise<PublishedAgent> {
  let created: { slug: string; versionId: number };
  try {
    const actor = requirePublisher(ctx.actor);
    const base = slugify(input.name);
    if (base === "") throw fieldError(["body", "name"], "The name must contain at least one letter or digit");
    const categoryId = await resolveCategoryRef(ctx.db, input.category, ["body", "category"], { allowNone: false });
    const semver = parseVersion(input.version);
    created = await withTransaction(ctx, async (tx) => {
      const agent = await insertWithFreeSlug(tx.db, actor, base, {
        name: input.name,
        description: input.description,
        authorId: actor.user.id,
        categoryId,
        isPublic: input.is_public,
      });
      const version = await insertVersion(tx.db, agent.id, input, semver, provenanceOf(actor, agent.id));
      await refreshCurrentVersion(tx.db, agent.id);
      await releasePendingObject(tx.db, input.upload.key);
      return { slug: agent.slug, versionId: version.id };
    });
  } catch (error) {
    await discardGuardedObject(ctx, input.upload.key);
    throw error;
  }
  await invalidateCatalog(ctx.ports);
  // The answer is read before the job is queued: the contract says `pending`, and a quick
  // worker would otherwise already have marked the version `running`.
  const answer = { ...(await agentDetail(ctx.db, ctx.actor, created.slug)), message: PUBLISHED_MESSAGE };
  await enqueueValidation(ctx, created.versionId);
  return answer;
}

/** A new version of an existing agent (POST versions, multipart PUT). */
export function publishVersion(ctx: ServiceContext, input: PublishVersionInput): Promise<{ slug: string; version: AgentVersion }> {
  return publishVersionAnswering(ctx, input, async (slug, version) => ({ slug, version: toAgentVersion(version) }));
}

/** Publishes, builds the answer (before the validation is queued, so it says `pending`), then queues. */
async function publishVersionAnswering<T>(
  ctx: ServiceContext,
  input: PublishVersionInput,
  answer: (slug: string, version: VersionRow) => Promise<T>,
): Promise<T> {
  let version: VersionRow;
  let agent: AgentRow;
  try {
    agent = await findPublishTarget(ctx.db, ctx.actor, input.slug);
    const semver = parseVersion(input.version);
    await assertVersionFree(ctx.db, agent.id, semver);
    version = await withTransaction(ctx, async (tx) => {
      // The agent row lock serialises publishes (and deletes) of one agent, so the version check cannot race.
      const [locked] = await tx.db.select({ id: agents.id }).from(agents).where(eq(agents.id, agent.id)).for("update");
      if (!locked) throw agentNotFound(input.slug);
      await assertVersionFree(tx.db, agent.id, semver);
      const row = await insertVersion(tx.db, agent.id, input, semver, provenanceOf(tx.actor, agent.id));
      await refreshCurrentVersion(tx.db, agent.id);
      await releasePendingObject(tx.db, input.upload.key);
      return row;
    });
  } catch (error) {
    await discardGuardedObject(ctx, input.upload.key);
    throw error;
  }
  await invalidateCatalog(ctx.ports);
  const result = await answer(agent.slug, version);
  await enqueueValidation(ctx, version.id);
  return result;
}

/** Multipart PUT /agents/{slug}: a new version, answered with the whole agent. */
export function publishVersionAsAgent(ctx: ServiceContext, input: PublishVersionInput): Promise<PublishedAgent> {
  // A trusted publisher may publish to a private agent; it sees what it published.
  const viewer = ctx.actor.kind === "trustedPublisher" ? SYSTEM : ctx.actor;
  return publishVersionAnswering(ctx, input, async (slug) => ({ ...(await agentDetail(ctx.db, viewer, slug)), message: PUBLISHED_MESSAGE }));
}

function parseVersion(version: string): Semver {
  const semver = parseSemver(version);
  if (!semver) throw fieldError(["body", "version"], "Version must be semver, e.g. 1.2.3 or 1.2.3-beta.1");
  return semver;
}

/** Versions are immutable: one with the same precedence (build metadata aside) is a 409. */
async function assertVersionFree(db: Executor, agentId: number, semver: Semver): Promise<void> {
  const rows = await db
    .select({
      version: agentVersions.version,
      major: agentVersions.major,
      minor: agentVersions.minor,
      patch: agentVersions.patch,
      prerelease: agentVersions.prerelease,
    })
    .from(agentVersions)
    .where(
      and(
        eq(agentVersions.agentId, agentId),
        eq(agentVersions.major, semver.major),
        eq(agentVersions.minor, semver.minor),
        eq(agentVersions.patch, semver.patch),
      ),
    );
  const existing = rows.find((row) => compareSemver(row, semver) === 0);
  if (existing) throw new Conflict(`Version '${existing.version}' already exists; published versions are immutable`);
}

/** The version keeps its upload's staging key until validation promotes the archive. */
async function insertVersion(
  db: Executor,
  agentId: number,
  input: PublishVersionFields & { upload: StagedUpload },
  semver: Semver,
  provenance: Provenance | null,
): Promise<VersionRow> {
  const [row] = await db
    .insert(agentVersions)
    .values({
      agentId,
      version: input.version,
      ...semver,
      changelog: input.changelog,
      sizeBytes: input.upload.sizeBytes,
      sha256: input.upload.sha256,
      storageKey: input.upload.key,
      provenance,
    })
    .returning(versionRowColumns);
  return row!;
}

/**
 * The first free slug for the name: base, base-1, base-2, ... counted over the agents the
 * publisher can see. A slug held by an agent hidden from them (private, or every version
 * quarantined) is not skipped, which would reveal that agent: the hidden agent moves aside to
 * base-<random> (only its author and admins know its slug) and the publisher gets the slug.
 * An insert that loses a race waits for the winner's commit and then inserts nothing, so
 * concurrent publishes of one name end with distinct slugs and no error.
 */
async function insertWithFreeSlug(
  db: Executor,
  actor: Actor,
  base: string,
  values: Omit<typeof agents.$inferInsert, "slug">,
): Promise<{ id: number; slug: string }> {
  const pattern = `${base.replace(/[\\%_]/g, "\\$&")}-%`;
  const rows = await db
    .select({ slug: agents.slug, visible: sql<boolean>`coalesce(${visibleTo(actor) ?? sql`true`}, false)` })
    .from(agents)
    .where(or(eq(agents.slug, base), like(agents.slug, pattern)));
  const taken = new Set(rows.filter((r) => r.visible).map((r) => r.slug));
  const hidden = new Set(rows.filter((r) => !r.visible).map((r) => r.slug));
  for (;;) {
    const slug = firstFreeSlug(base, taken);
    if (hidden.has(slug)) {
      await moveAside(db, slug);
      hidden.delete(slug);
    }
    const [row] = await db
      .insert(agents)
      .values({ ...values, slug })
      .onConflictDoNothing({ target: agents.slug })
      .returning({ id: agents.id, slug: agents.slug });
    if (row) return row;
    taken.add(slug);
  }
}

/** Gives the agent holding `slug` a random one; done when nobody holds `slug` any more. */
async function moveAside(db: Executor, slug: string): Promise<void> {
  for (;;) {
    const aside = `${slug}-${randomBytes(5).toString("hex")}`;
    const moved = await db
      .update(agents)
      .set({ slug: aside, updatedAt: sql`${agents.updatedAt}` })
      .where(and(eq(agents.slug, slug), notExists(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, aside)))))
      .returning({ id: agents.id });
    if (moved.length > 0) return;
    const [still] = await db.select({ id: agents.id }).from(agents).where(eq(agents.slug, slug));
    if (!still) return;
  }
}
