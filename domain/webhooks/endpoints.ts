import { randomBytes } from 'node:crypto';
import { checkAddress } from './addresses';

/**
 * A webhook endpoint of an account: where its completions are POSTed and the secrets that sign them. Several per
 * account, each with its own secrets. During a rotation an endpoint holds two secrets and both sign (two `v1,`
 * entries in `webhook-signature`) until the old one is retired or expires.
 */
export interface EndpointSecret {
  /** `whsec_` + base64 of 32 random bytes (Standard Webhooks' format). */
  secret: string;
  created_at: string;
  /** Set on the old secret by `rotate --old-expires-in`: it stops signing at this time. */
  expires_at?: string;
}

export interface WebhookEndpoint {
  account_id: string;
  endpoint_id: string;
  url: string;
  status: 'enabled' | 'disabled';
  /** Why a disabled endpoint was disabled (e.g. the receiver answered 410 Gone). */
  disabled_reason?: string;
  disabled_at?: string;
  created_at: string;
  /** Oldest first; at most two. */
  secrets: EndpointSecret[];
}

/** What `list` shows: never a secret. */
export interface EndpointDescription {
  account_id: string;
  endpoint_id: string;
  url: string;
  status: WebhookEndpoint['status'];
  disabled_reason?: string;
  disabled_at?: string;
  created_at: string;
  secrets: { created_at: string; expires_at?: string }[];
}

export const ENDPOINT_ID_PATTERN = /^ep_[0-9a-f]{16}$/;
export const MAX_SECRETS = 2;
export const MAX_URL_LENGTH = 2048;

export class WebhookProblem extends Error {
  override readonly name = 'WebhookProblem';
  constructor(
    readonly code: 'bad_url' | 'unknown_endpoint' | 'rotation_in_progress' | 'nothing_to_retire' | 'forbidden_address',
    message: string,
  ) {
    super(message);
  }
}

export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
export const newEndpointId = (): string => `ep_${randomBytes(8).toString('hex')}`;

export const newEndpoint = (accountId: string, url: string, now: Date): WebhookEndpoint => ({
  account_id: accountId,
  endpoint_id: newEndpointId(),
  url,
  status: 'enabled',
  created_at: now.toISOString(),
  secrets: [{ secret: newSecret(), created_at: now.toISOString() }],
});

/** The secrets that sign a delivery now: every unexpired one, newest first. */
export const signingSecrets = (endpoint: WebhookEndpoint, now: Date): string[] =>
  endpoint.secrets
    .filter((entry) => entry.expires_at === undefined || Date.parse(entry.expires_at) > now.getTime())
    .map((entry) => entry.secret)
    .reverse();

/** Adds a new secret; the old one keeps signing until `oldExpiresAt` (if given) or until it is retired. */
export const rotateSecret = (
  endpoint: WebhookEndpoint,
  now: Date,
  oldExpiresAt?: Date,
): { endpoint: WebhookEndpoint; secret: string } => {
  const live = endpoint.secrets.filter(
    (entry) => entry.expires_at === undefined || Date.parse(entry.expires_at) > now.getTime(),
  );
  if (live.length >= MAX_SECRETS) {
    throw new WebhookProblem(
      'rotation_in_progress',
      `endpoint ${endpoint.endpoint_id} already has two secrets: retire the old one first (npm run webhooks -- retire)`,
    );
  }
  const secret = newSecret();
  const old = live.map((entry) =>
    oldExpiresAt === undefined ? entry : { ...entry, expires_at: oldExpiresAt.toISOString() },
  );
  return { endpoint: { ...endpoint, secrets: [...old, { secret, created_at: now.toISOString() }] }, secret };
};

/** Keeps only the newest secret: ends a rotation. */
export const retireOldSecrets = (endpoint: WebhookEndpoint): WebhookEndpoint => {
  if (endpoint.secrets.length < 2) {
    throw new WebhookProblem('nothing_to_retire', `endpoint ${endpoint.endpoint_id} has only one secret`);
  }
  return { ...endpoint, secrets: endpoint.secrets.slice(-1) };
};

export const describeEndpoint = (endpoint: WebhookEndpoint): EndpointDescription => ({
  account_id: endpoint.account_id,
  endpoint_id: endpoint.endpoint_id,
  url: endpoint.url,
  status: endpoint.status,
  ...(endpoint.disabled_reason === undefined ? {} : { disabled_reason: endpoint.disabled_reason }),
  ...(endpoint.disabled_at === undefined ? {} : { disabled_at: endpoint.disabled_at }),
  created_at: endpoint.created_at,
  secrets: endpoint.secrets.map(({ created_at, expires_at }) => ({
    created_at,
    ...(expires_at === undefined ? {} : { expires_at }),
  })),
});

/**
 * Where webhooks may go. Outside the local stage: `https:` on port 443 only. The local stage (`allowLoopback`) also
 * takes `http:` and any port, so `npm start`'s receiver on localhost works. Never credentials in the URL.
 * The host's addresses are checked separately (checkAddress), at `add` and again at every connection.
 */
export interface UrlPolicy {
  allowLoopback: boolean;
}

export const checkEndpointUrl = (raw: string, policy: UrlPolicy): URL => {
  const bad = (why: string): never => {
    throw new WebhookProblem('bad_url', `bad URL ${JSON.stringify(raw.slice(0, 200))}: ${why}`);
  };
  if (raw.length > MAX_URL_LENGTH) bad(`longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad('not an absolute URL');
  }
  const schemes = policy.allowLoopback ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) bad(policy.allowLoopback ? 'must be http or https' : 'must be https');
  if (!policy.allowLoopback && url.port !== '' && url.port !== '443') bad('only port 443 is allowed');
  if (url.username !== '' || url.password !== '') bad('must not carry credentials');
  if (url.hash !== '') bad('must not have a #fragment');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host.includes(':') || /^\d+(\.\d+){3}$/.test(host)) {
    const verdict = checkAddress(host, policy);
    if (!verdict.allowed) throw new WebhookProblem('forbidden_address', `refused: ${verdict.reason}`);
  }
  return url;
};
