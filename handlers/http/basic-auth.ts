import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { authenticate, type CredentialStore } from '../../domain/credentials';
import { ACCOUNT_ID_PATTERN } from '../../domain/order-fields';
import { authenticationError } from './http-error';
import { findHeader } from './headers';

export interface BasicCredentials {
  account_id: string;
  secret: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `Basic base64(account_id:secret)`: scheme case-insensitive, split at the first ":" (the secret may
 * contain more). Anything else is undefined, never an exception carrying the header.
 */
export const parseBasicAuthorization = (value: string | undefined): BasicCredentials | undefined => {
  if (value === undefined) return undefined;
  const match = /^\s*basic\s+(\S+)\s*$/i.exec(value);
  const token = match?.[1];
  if (token === undefined || !BASE64.test(token)) return undefined;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const accountId = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  if (!ACCOUNT_ID_PATTERN.test(accountId) || secret.length === 0) return undefined;
  return { account_id: accountId, secret };
};

export type AuthenticatedContext = Context & { account_id: string };

/** Puts the authenticated account on the context, or answers 401. Never logs the header or secret. */
export const basicAuth = (
  credentials: CredentialStore,
  now: () => Date = () => new Date(),
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, AuthenticatedContext> => ({
  name: 'basicAuth',
  before: async (request) => {
    const presented = parseBasicAuthorization(findHeader(request.event, 'authorization'));
    if (presented === undefined) throw authenticationError();
    if (!(await authenticate(credentials, presented.account_id, presented.secret, now))) throw authenticationError();
    request.context.account_id = presented.account_id;
  },
});
