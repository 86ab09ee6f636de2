import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod/v4';
import { AppError } from '../../errors.js';
import { HttpError } from '../http-error.js';
import { route, type AnyRoute } from '../route.js';
import { clientAddress } from '../server-env.js';
import { SESSION_COOKIE, type ServerServices } from '../services.js';
import { idParam, ok } from './schemas.js';

const sessionInfo = z.object({ csrfToken: z.string(), expiresAt: z.string() });
const tokenScope = z.enum(['full', 'recognition']).describe('full: every route a script may call; recognition: only POST /api/recognize and the CompreFace-compatible API (no renaming or deleting people)');

/** Log in and out, the password, and API tokens for scripts. */
export function sessionRoutes({ auth, limiter, config }: Pick<ServerServices, 'auth' | 'limiter' | 'config'>): AnyRoute[] {
  const ttlMs = config.server.sessionTtlHours * 3600_000;
  return [
    route({
      method: 'post', path: '/api/session', tag: 'session', public: true,
      summary: 'Log in with the admin password: sets an HttpOnly session cookie and returns the CSRF token',
      body: z.object({ password: z.string().min(1).max(1024) }),
      response: sessionInfo,
      async handle({ body, c }) {
        const address = clientAddress(c);
        limiter.check(address);
        if (!(await auth.checkPassword(body.password))) {
          limiter.fail(address);
          throw new HttpError(401, 'BAD_PASSWORD', 'wrong password');
        }
        limiter.succeed(address);
        const old = getCookie(c, SESSION_COOKIE);
        if (old) auth.deleteSession(old);
        const session = auth.createSession(ttlMs);
        setCookie(c, SESSION_COOKIE, session.id, {
          httpOnly: true, sameSite: 'Strict', path: '/', secure: config.server.secureCookies, maxAge: Math.floor(ttlMs / 1000),
        });
        return { csrfToken: session.csrf, expiresAt: session.expiresAt };
      },
    }),
    route({
      method: 'get', path: '/api/session', tag: 'session',
      summary: 'Who is calling, and the session\'s CSRF token to send as X-CSRF-Token',
      response: z.object({ via: z.enum(['session', 'token']), csrfToken: z.string().nullable() }),
      handle({ c }) {
        const caller = c.get('caller')!;
        return { via: caller.kind, csrfToken: caller.kind === 'session' ? caller.csrf : null };
      },
    }),
    route({
      method: 'delete', path: '/api/session', tag: 'session', sessionOnly: true, status: 204,
      summary: 'Log out: ends the session and clears its cookie',
      handle({ c }) {
        const caller = c.get('caller');
        if (caller?.kind === 'session') auth.deleteSession(caller.sessionId);
        deleteCookie(c, SESSION_COOKIE, { path: '/' });
      },
    }),
    route({
      method: 'put', path: '/api/session/password', tag: 'session', sessionOnly: true,
      summary: 'Change the admin password (every session ends, this one included)',
      body: z.object({ current: z.string().min(1).max(1024), next: z.string().min(8).max(1024) }),
      response: ok,
      async handle({ body, c }) {
        if (!(await auth.checkPassword(body.current))) {
          limiter.fail(clientAddress(c));
          throw new HttpError(403, 'BAD_PASSWORD', 'the current password is wrong');
        }
        await auth.setPassword(body.next);
        deleteCookie(c, SESSION_COOKIE, { path: '/' });
        return { ok: true as const };
      },
    }),
    route({
      method: 'get', path: '/api/tokens', tag: 'session', sessionOnly: true,
      summary: 'API tokens (their secrets are never shown again)',
      response: z.array(z.object({ id: z.number(), name: z.string(), scope: tokenScope, createdAt: z.string(), lastUsedAt: z.string().nullable() })),
      handle: () => auth.listTokens(),
    }),
    route({
      method: 'post', path: '/api/tokens', tag: 'session', sessionOnly: true, status: 201,
      summary: 'Create an API token for a script; the token is in this answer only. scope recognition: it may only recognise, verify and add examples',
      body: z.object({ name: z.string().trim().min(1).max(100), scope: tokenScope.default('full') }),
      response: z.object({ id: z.number(), name: z.string(), scope: tokenScope, token: z.string(), createdAt: z.string() }),
      handle: ({ body }) => auth.createToken(body.name, body.scope),
    }),
    route({
      method: 'delete', path: '/api/tokens/:id', tag: 'session', sessionOnly: true, status: 204, params: idParam,
      summary: 'Revoke an API token',
      handle({ params }) {
        if (!auth.deleteToken(params.id)) throw new AppError('NOT_FOUND', `token ${params.id} does not exist`);
      },
    }),
  ];
}
