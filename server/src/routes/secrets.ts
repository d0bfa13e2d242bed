import { Hono } from 'hono';
import { ADMIN_TOKEN_HEADER, putSecretBodySchema, secretNameSchema, type SecretListResponse, type SecretScope } from '@tandem/shared/protocol/secrets.js';
import { canManageSharing } from '@tandem/shared/roles.js';
import { secretsEqual } from '../auth/secret-hash.js';
import { BadInputError, DeniedError, NotFoundError } from '../domain/errors.js';
import { requireIdentity, signedIn, type AppEnv } from '../http/identity-middleware.js';
import { createSessionRoles } from '../http/session-role.js';
import { jsonBody } from '../http/json-body.js';
import type { SessionSecrets } from '../secrets/session-secrets.js';
import type { SecretsStore } from '../secrets/secrets-store.js';
import type { SessionService } from '../session/session-service.js';

/** Who may change a secret of a scope: the session's owner for its repo's, an admin for the server's. */
export function decideSecretChange(scope: SecretScope, facts: { isOwner: boolean; isAdmin: boolean }): { allowed: true } | { allowed: false; reason: string } {
  switch (scope) {
    case 'repo':
      return facts.isOwner ? { allowed: true } : { allowed: false, reason: "Only the session owner sets or deletes the repo's secrets" };
    case 'server':
      return facts.isAdmin
        ? { allowed: true }
        : { allowed: false, reason: `Server-wide secrets are set by an admin: send ${ADMIN_TOKEN_HEADER}: <TANDEM_ADMIN_TOKEN> with the call` };
    default:
      return scope satisfies never;
  }
}

/**
 * /api/sessions/:id/secrets: names and scopes for the session's owner and editors (never a value),
 * set and delete for the owner (repo scope) or an admin (server scope). Live sessions of the repo
 * give the new value to the commands and shells they start from then on.
 */
export function secretRoutes(deps: { service: SessionService; store: SecretsStore; live: SessionSecrets; adminToken: string | undefined }) {
  const isAdmin = (given: string | undefined) => Boolean(deps.adminToken && given && secretsEqual(given, deps.adminToken));
  const parseName = (raw: string) => {
    const parsed = secretNameSchema.safeParse(raw);
    if (!parsed.success) throw new BadInputError(parsed.error.issues[0]?.message ?? 'bad secret name');
    return parsed.data;
  };
  async function requireChange(sessionId: string, identity: ReturnType<typeof requireIdentity>, scope: SecretScope, adminHeader: string | undefined) {
    const access = await deps.service.requireAccess(sessionId, identity);
    const decision = decideSecretChange(scope, { isOwner: canManageSharing(access.role), isAdmin: isAdmin(adminHeader) });
    if (!decision.allowed) throw new DeniedError(decision.reason);
    return access.session;
  }
  const requireSessionRole = createSessionRoles(deps.service);
  return new Hono<AppEnv>()
    .get('/:sessionId/secrets', requireSessionRole('editor', "Viewers cannot see a session's secrets"), async (c) => {
      const access = c.var;
      const secrets = await deps.store.list(access.session.repo);
      const asked = deps.live.askedFor(access.session.id).filter((name) => !secrets.some((secret) => secret.name === name));
      const phases = deps.live.declaredFor(access.session.id);
      const body: SecretListResponse = { repo: access.session.repo, secrets, canManage: canManageSharing(access.role), asked, phases };
      return c.json(body);
    })
    .put(
      '/:sessionId/secrets/:name',
      signedIn,
      async (c, next) => {
        parseName(c.req.param('name'));
        await next();
      },
      ...jsonBody(putSecretBodySchema),
      async (c) => {
      const { identity } = c.var;
      const name = parseName(c.req.param('name'));
      const { value, scope } = c.req.valid('json');
      const session = await requireChange(c.req.param('sessionId'), identity, scope, c.req.header(ADMIN_TOKEN_HEADER));
      await deps.store.put({ scope, repo: session.repo, name, value, by: identity.id });
      await deps.live.changed(scope, session.repo);
      return c.body(null, 204);
    })
    .delete('/:sessionId/secrets/:name', async (c) => {
      const identity = requireIdentity(c.get('identity'));
      const name = parseName(c.req.param('name'));
      const scope = c.req.query('scope') === 'server' ? 'server' : 'repo';
      const session = await requireChange(c.req.param('sessionId'), identity, scope, c.req.header(ADMIN_TOKEN_HEADER));
      if (!(await deps.store.remove(scope, session.repo, name))) throw new NotFoundError(`No ${scope} secret ${name}`);
      await deps.live.changed(scope, session.repo);
      return c.body(null, 204);
    });
}
