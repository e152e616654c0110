import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkAddress } from '../../domain/webhooks/addresses';
import { checkEndpointUrl, WebhookProblem, type UrlPolicy } from '../../domain/webhooks/endpoints';
import { ATTEMPT_TIMEOUT_MS, classifyStatus, type DeliveryResult } from '../../domain/webhooks/retry';
import type { WebhookTransport } from '../../domain/webhooks/ports';

/** Resolves a host name to every address it has (dns.lookup, i.e. what the OS would connect to). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((done, fail) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? fail(error) : done(addresses))),
  );

export interface TransportOptions extends UrlPolicy {
  /** At most ATTEMPT_TIMEOUT_MS (10 s): no complete answer within it is a timeout (retried). */
  timeoutMs?: number;
  /** Tests pass a stub; every address it gives is checked before any connection. */
  resolve?: Resolver;
}

/**
 * The `lookup` the socket uses: it resolves the name and refuses the connection when ANY address of it is not
 * allowed (checkAddress), so the address connected to is always one that was checked, in the same step: a name
 * that re-resolves to an internal address between `add` and a send (DNS rebinding) is refused at that send.
 */
export const guardedLookup = (resolve: Resolver, policy: UrlPolicy): LookupFunction =>
  ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolve(hostname).then(
      (addresses) => {
        const refused = addresses.map((entry) => checkAddress(entry.address, policy)).find((v) => !v.allowed);
        if (addresses.length === 0)
          return callback(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }));
        if (refused !== undefined && !refused.allowed) {
          return callback(new WebhookProblem('forbidden_address', `${hostname} resolves to ${refused.reason}`));
        }
        const first = addresses[0] as LookupAddress;
        return options.all === true ? callback(null, addresses) : callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error),
    );
  }) as LookupFunction;

/**
 * POSTs a webhook with Node's http(s) client: it never follows a redirect (a 3xx is an answer like any other), the
 * body of the answer is not read at all (0 bytes: within any limit), the whole attempt is cut at the timeout, and
 * every address connected to passes checkAddress (literal IPs by checkEndpointUrl before any socket exists, names in
 * the socket's lookup, and the socket's remote address once connected).
 */
export const createHttpTransport = (options: TransportOptions): WebhookTransport => {
  const timeoutMs = Math.min(options.timeoutMs ?? ATTEMPT_TIMEOUT_MS, ATTEMPT_TIMEOUT_MS);
  const policy = { allowLoopback: options.allowLoopback };
  const lookup = guardedLookup(options.resolve ?? systemResolver, policy);
  return {
    post: (target, headers, body) => {
      let url: URL;
      try {
        url = checkEndpointUrl(target, policy);
      } catch (error) {
        return Promise.resolve({ kind: 'rejected', reason: error instanceof Error ? error.message : String(error) });
      }
      return postOnce(url, headers, body, { timeoutMs, lookup, policy });
    },
  };
};

interface PostSettings {
  timeoutMs: number;
  lookup: LookupFunction;
  policy: UrlPolicy;
}

const postOnce = (url: URL, headers: Record<string, string>, body: string, settings: PostSettings) =>
  new Promise<DeliveryResult>((done) => {
    let settled = false;
    const finish = (result: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      done(result);
    };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)({
      hostname: host,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: settings.lookup,
      agent: false,
    });
    const timer = setTimeout(
      () => finish({ kind: 'retry', reason: `no answer within ${settings.timeoutMs} ms` }),
      settings.timeoutMs,
    );
    request.once('socket', (socket) =>
      socket.once('connect', () => {
        const verdict = checkAddress(socket.remoteAddress ?? '', settings.policy);
        if (!verdict.allowed) finish({ kind: 'rejected', reason: `refused: ${verdict.reason}` });
      }),
    );
    // The status is the answer: the body is never read (the socket is closed at once), so a receiver cannot make
    // the sender hold or buffer anything by answering slowly or at length.
    request.once('response', (response: IncomingMessage) => finish(classifyStatus(response.statusCode ?? 0)));
    request.once('error', (error: Error & { code?: string }) =>
      finish(
        error instanceof WebhookProblem
          ? { kind: 'rejected', reason: `refused: ${error.message}` }
          : { kind: 'retry', reason: `connection error: ${error.code ?? error.message}` },
      ),
    );
    request.end(body);
  });

/**
 * `npm run webhooks -- add`'s check: the URL is allowed and every address its host resolves to now is public (or
 * loopback on the local stage). Every send checks again, on the address actually connected to.
 */
export const assertDeliverableUrl = async (
  raw: string,
  policy: UrlPolicy,
  resolve: Resolver = systemResolver,
): Promise<URL> => {
  const url = checkEndpointUrl(raw, policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
    throw new WebhookProblem('bad_url', `cannot resolve ${host}: ${code}`);
  }
  for (const { address } of addresses) {
    const verdict = checkAddress(address, policy);
    if (!verdict.allowed)
      throw new WebhookProblem('forbidden_address', `refused: ${host} resolves to ${verdict.reason}`);
  }
  return url;
};
