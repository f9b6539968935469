/**
 * A minimal MO stand-in for client tests (until/besides the full emulator): a token endpoint and a
 * GraphQL endpoint that pages over `n` objects with MO's cursor semantics and MO's auth behaviour.
 */
import type http from 'node:http';
import { sendJson, type RecordedRequest } from './tiny-server.js';

export interface FakeMoOptions {
  objects?: number;
  /** Require a bearer token issued by the token endpoint. */
  auth?: boolean;
  /** expires_in of issued tokens, seconds. */
  expiresIn?: number;
}

export interface FakeMo {
  handler(req: RecordedRequest, res: http.ServerResponse): void;
  tokensIssued: number;
  graphqlRequests: number;
  /** Tokens MO no longer accepts ("Signature has expired"). */
  revoked: Set<string>;
  /** Tokens seen on GraphQL requests, in order. */
  tokensSeen: (string | undefined)[];
}

export function fakeMo(opts: FakeMoOptions = {}): FakeMo {
  const n = opts.objects ?? 0;
  const issued = new Set<string>();
  const state: FakeMo = {
    tokensIssued: 0,
    graphqlRequests: 0,
    revoked: new Set(),
    tokensSeen: [],
    handler(req, res) {
      if (req.url.endsWith('/protocol/openid-connect/token')) {
        const form = new URLSearchParams(req.body.toString());
        if (form.get('client_secret') !== 'hemmeligt') {
          return sendJson(res, 401, {
            error: 'unauthorized_client',
            error_description: 'Invalid client secret',
          });
        }
        const token = `tok-${++state.tokensIssued}`;
        issued.add(token);
        return sendJson(res, 200, {
          access_token: token,
          expires_in: opts.expiresIn ?? 300,
          token_type: 'Bearer',
        });
      }
      state.graphqlRequests++;
      const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      state.tokensSeen.push(token);
      if (opts.auth) {
        const error = !token
          ? 'Not authenticated'
          : state.revoked.has(token)
            ? 'Signature has expired'
            : issued.has(token)
              ? undefined
              : 'Signature verification failed';
        if (error) return sendJson(res, 200, { data: null, errors: [{ message: error, path: ['persons'] }] });
      }
      const { variables } = JSON.parse(req.body.toString()) as {
        variables: { limit?: number; cursor?: string | null };
      };
      const offset = variables.cursor ? Number(Buffer.from(variables.cursor, 'base64').toString()) : 0;
      const limit = variables.limit ?? n;
      const objects = Array.from({ length: Math.max(0, Math.min(limit, n - offset)) }, (_, i) => ({
        uuid: `p${offset + i}`,
      }));
      // MO: next_cursor is null only on the empty page after the last one.
      const next =
        objects.length === 0 && variables.cursor
          ? null
          : Buffer.from(String(offset + objects.length)).toString('base64');
      sendJson(res, 200, { data: { persons: { objects, page_info: { next_cursor: next } } } });
    },
  };
  return state;
}
