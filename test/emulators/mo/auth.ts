import crypto from 'node:crypto';

/** Keycloak client-credentials emulation: HS256 JWTs signed with a per-emulator key. */
export interface AuthOptions {
  clientId: string;
  clientSecret: string;
  /** Token lifetime in seconds (default 300, Keycloak's default). */
  tokenLifetimeSeconds?: number;
  /** Realm name (default `mo`). */
  realm?: string;
  /** The Keycloak client's `uuid` claim (MO's actor and event owner); null = no claim. */
  actorUuid?: string | null;
}

export type TokenCheck =
  | { ok: true; uuid?: unknown }
  | { ok: false; message: 'Not authenticated' | 'Signature verification failed' | 'Signature has expired' };

const b64 = (x: Buffer | string): string => Buffer.from(x).toString('base64url');

export class TokenIssuer {
  private key = crypto.randomBytes(32);
  issued = 0;
  /** Added to the real clock, so tests can let tokens expire without waiting. */
  clockOffsetMs = 0;

  constructor(readonly options: AuthOptions) {}

  private clock(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** A new signing key: every token issued so far fails with "Signature verification failed". */
  rotateKey(): void {
    this.key = crypto.randomBytes(32);
  }

  get lifetime(): number {
    return this.options.tokenLifetimeSeconds ?? 300;
  }

  get realm(): string {
    return this.options.realm ?? 'mo';
  }

  /** Sign a token; `expiresInSeconds` may be negative to make an already expired one (for tests). */
  sign(expiresInSeconds = this.lifetime): string {
    const now = Math.floor(this.clock() / 1000);
    const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64(
      JSON.stringify({
        iat: now,
        exp: now + expiresInSeconds,
        azp: this.options.clientId,
        jti: crypto.randomUUID(),
        ...(this.options.actorUuid ? { uuid: this.options.actorUuid } : {}),
      }),
    );
    const sig = b64(crypto.createHmac('sha256', this.key).update(`${header}.${payload}`).digest());
    return `${header}.${payload}.${sig}`;
  }

  /** Client credentials from a form body or a Basic header; null when they do not match. */
  grant(form: URLSearchParams, authorization: string | undefined): string | null {
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    if (authorization?.startsWith('Basic ')) {
      const [u, p] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p ?? '');
    }
    if (
      form.get('grant_type') !== 'client_credentials' ||
      id !== this.options.clientId ||
      secret !== this.options.clientSecret
    )
      return null;
    this.issued += 1;
    return this.sign();
  }

  check(authorization: string | undefined): TokenCheck {
    const token = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    if (!token) return { ok: false, message: 'Not authenticated' };
    const [header, payload, sig] = token.split('.');
    if (!header || !payload || !sig) return { ok: false, message: 'Signature verification failed' };
    const expected = b64(crypto.createHmac('sha256', this.key).update(`${header}.${payload}`).digest());
    if (sig.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) {
      return { ok: false, message: 'Signature verification failed' };
    }
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp: number };
    if (claims.exp * 1000 <= this.clock()) return { ok: false, message: 'Signature has expired' };
    return { ok: true, uuid: (claims as { uuid?: unknown }).uuid };
  }
}
