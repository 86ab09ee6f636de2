import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import type { TokenScope } from './auth-store.js';

/** Who made a request: a browser session (cookie) or a script (API token). */
export type Caller =
  | { kind: 'session'; sessionId: string; csrf: string }
  | { kind: 'token'; tokenId: number; scope: TokenScope };

/** Hono's type environment for the facetag server. `Bindings` is absent under `app.request()`. */
export interface ServerEnv {
  Bindings: Partial<HttpBindings>;
  Variables: { caller: Caller | null };
}

export type ServerContext = Context<ServerEnv>;

/** The client's address, for rate limits: the socket's peer (proxies' headers are not trusted). */
export function clientAddress(c: ServerContext): string {
  return c.env?.incoming?.socket?.remoteAddress ?? 'local';
}
