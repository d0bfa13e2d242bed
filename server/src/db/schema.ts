import { bigint, bigserial, boolean, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core';

/** bytea as Uint8Array: PGlite returns Uint8Array, node-postgres a Buffer (also a Uint8Array). */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  fromDriver: (value) => new Uint8Array(value),
});

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

export const sessions = pgTable('sessions', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  repo: text('repo').notNull(),
  ownerId: text('owner_id')
    .notNull()
    .references(() => users.id),
  status: text('status').notNull().default('idle'),
  createdAt: createdAt(),
  /** When the owner ended the session; an ended session boots no sandbox. The doc only mirrors it. */
  endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
  /** The snapshot the session's workspace was saved to when it ended: what a resume may start from. */
  endSnapshotId: text('end_snapshot_id'),
  endSnapshotBuiltAt: timestamp('end_snapshot_built_at', { withTimezone: true, mode: 'date' }),
  /** The ended session whose saved workspace this one started from (checked against the caller's rights at create). */
  resumedFromSessionId: text('resumed_from_session_id').references((): AnyPgColumn => sessions.id, { onDelete: 'set null' }),
  resumedFromSnapshotId: text('resumed_from_snapshot_id'),
});

export const shareLinks = pgTable(
  'share_links',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['viewer', 'editor'] }).notNull(),
    /** SHA-256 (hex) of the link's token: the raw token is shown once, at creation, and never stored. */
    tokenHash: text('token').notNull().unique(),
    createdBy: text('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    /** How many times someone other than the owner joined through it (carried links: people carried). */
    joinCount: integer('join_count').notNull().default(0),
    /**
     * Set on a link the server made when a session resumed another: it holds the members carried over
     * (its token is never given out), so the owner can revoke their access like any other link's.
     */
    carriedFromSessionId: text('carried_from_session_id').references((): AnyPgColumn => sessions.id, { onDelete: 'set null' }),
  },
  (table) => [index('share_links_session_idx').on(table.sessionId)],
);

/** Who joined a session through which link; access ends when that link is revoked. */
export const sessionMembers = pgTable(
  'session_members',
  {
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    linkId: text('link_id')
      .notNull()
      .references(() => shareLinks.id, { onDelete: 'cascade' }),
    joinedAt: timestamp('joined_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.sessionId, table.userId] }), index('session_members_user_idx').on(table.userId)],
);

/** The doc's update log: appended as edits arrive, compacted into one row now and then. */
export const docUpdates = pgTable(
  'doc_updates',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    data: bytea('data').notNull(),
    createdAt: createdAt(),
  },
  (table) => [index('doc_updates_session_idx').on(table.sessionId, table.id)],
);

/** Server-wide secrets generated on first start (the identity signing key), so restarts keep them. */
export const serverSecrets = pgTable('server_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
});

/** A tool call's whole output (the doc keeps a capped copy), for "show full output". */
export const toolOutputs = pgTable(
  'tool_outputs',
  {
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    toolUseId: text('tool_use_id').notNull(),
    output: text('output').notNull(),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.sessionId, table.toolUseId] })],
);

/** Invite codes an admin made (npm run invite); each is redeemed once, before it expires, for an identity. */
export const inviteCodes = pgTable('invite_codes', {
  id: text('id').primaryKey(),
  /** SHA-256 (hex) of the code; the code itself is shown once to the admin. */
  codeHash: text('code_hash').notNull().unique(),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  redeemedAt: timestamp('redeemed_at', { withTimezone: true, mode: 'date' }),
  /** The identity the code became (a users row made right after the code is claimed). */
  redeemedBy: text('redeemed_by'),
});

/**
 * Secrets owners give sandboxes as environment variables: per repo (the repo string as sessions store
 * it) or for the whole server (repo ''). Only ciphertext is stored (AES-256-GCM under the key `key_id`
 * names, see server/src/secrets/); the scope, repo and name are bound to it as associated data.
 */
export const environmentSecrets = pgTable(
  'environment_secrets',
  {
    id: text('id').primaryKey(),
    scope: text('scope', { enum: ['server', 'repo'] }).notNull(),
    repo: text('repo').notNull(),
    name: text('name').notNull(),
    nonce: bytea('nonce').notNull(),
    /** The encrypted value followed by its 16-byte GCM tag. */
    ciphertext: bytea('ciphertext').notNull(),
    keyId: text('key_id').notNull(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('environment_secrets_scope_repo_name_idx').on(table.scope, table.repo, table.name)],
);

/**
 * Every connection a sandbox tried through its egress proxy, one row per scope, phase, host, port and
 * verdict with how often and how many bytes (a loop of retries adds to a row, never floods the table).
 * Scope: `session:<id>` for a session's sandbox, `setup:<repo>` for a snapshot's setup script.
 */
export const networkAttempts = pgTable(
  'network_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    scope: text('scope').notNull(),
    sessionId: text('session_id').references(() => sessions.id, { onDelete: 'cascade' }),
    phase: text('phase', { enum: ['setup', 'session'] }).notNull(),
    host: text('host').notNull(),
    port: integer('port').notNull(),
    allowed: boolean('allowed').notNull(),
    /** Why, as the policy said it the last time. */
    reason: text('reason').notNull(),
    attempts: integer('attempts').notNull().default(1),
    bytesOut: bigint('bytes_out', { mode: 'number' }).notNull().default(0),
    bytesIn: bigint('bytes_in', { mode: 'number' }).notNull().default(0),
    firstAt: timestamp('first_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastAt: timestamp('last_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('network_attempts_key_idx').on(table.scope, table.phase, table.host, table.port, table.allowed)],
);

/**
 * A person approved this exact `.tandem/environment.json` (by the sha256 of its text) for a repo: its
 * network widening applies to that person's sessions of the repo, and to setup once anyone approved it.
 * A changed file has another hash, so it asks again.
 */
export const environmentApprovals = pgTable(
  'environment_approvals',
  {
    repo: text('repo').notNull(),
    contentHash: text('content_hash').notNull(),
    approvedBy: text('approved_by')
      .notNull()
      .references(() => users.id),
    approvedAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.repo, table.contentHash, table.approvedBy] })],
);

/** Hosts an editor opened for the rest of one session. */
export const sessionNetworkHosts = pgTable(
  'session_network_hosts',
  {
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    host: text('host').notNull(),
    openedBy: text('opened_by')
      .notNull()
      .references(() => users.id),
    openedAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.sessionId, table.host] })],
);

/**
 * Blueprint runs, one row each, written on every change of state so a restarted server can go on
 * with a run (or say why it cannot). The columns are the run's parts as the engine keeps them; the
 * server reads them back through zod (server/src/blueprint/run-record.ts).
 */
export const blueprintRuns = pgTable(
  'blueprint_runs',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    repo: text('repo').notNull(),
    /** The run's state (running, waiting, passed, …): what restart looks for. */
    state: text('state').notNull(),
    /** The run's own copy of its blueprint, with people's edits to steps not yet run. */
    blueprint: jsonb('blueprint').notNull(),
    goal: text('goal').notNull(),
    startedById: text('started_by_id').notNull(),
    startedByName: text('started_by_name').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    sessionUrl: text('session_url').notNull(),
    /** decide-next's EngineState. */
    engine: jsonb('engine').notNull(),
    /** Per node: when it started, how long it took, its output excerpt. */
    nodeRecords: jsonb('node_records').notNull(),
    /** People who approved, skipped, retried or edited a step (co-authors of the commit). */
    actors: jsonb('actors').notNull(),
    commit: jsonb('commit'),
    /** The base the session started from, what was pushed, the PR opened. */
    ship: jsonb('ship').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [index('blueprint_runs_session_idx').on(table.sessionId, table.startedAt), index('blueprint_runs_state_idx').on(table.state)],
);
