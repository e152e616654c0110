import { describe, expect, test } from '@jest/globals';
import type { Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createCredential } from '../../../../domain/credentials';
import { DependencyUnavailable } from '../../../../domain/errors';
import { basicAuth, parseBasicAuthorization, type AuthenticatedContext } from '../../../../handlers/http/basic-auth';
import { HttpError, WWW_AUTHENTICATE } from '../../../../handlers/http/http-error';
import { InMemoryCredentialStore } from '../../support/fakes';
import { apiEvent, basicAuthorization, lambdaContext } from '../../support/http';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('parseBasicAuthorization', () => {
  test('parses Basic base64(account:secret)', () => {
    expect(parseBasicAuthorization(`Basic ${b64('acct-1:s3cret')}`)).toEqual({
      account_id: 'acct-1',
      secret: 's3cret',
    });
  });

  test.each(['basic', 'BASIC', 'bAsIc'])('the scheme %s is case-insensitive', (scheme) => {
    expect(parseBasicAuthorization(`${scheme} ${b64('acct-1:s3cret')}`)).toEqual({
      account_id: 'acct-1',
      secret: 's3cret',
    });
  });

  test('tolerates surrounding and repeated whitespace', () => {
    expect(parseBasicAuthorization(`  Basic   ${b64('acct-1:s3cret')}  `)?.account_id).toBe('acct-1');
  });

  test('a secret containing ":" is split at the first ":"', () => {
    expect(parseBasicAuthorization(`Basic ${b64('acct-1:a:b::c:')}`)).toEqual({
      account_id: 'acct-1',
      secret: 'a:b::c:',
    });
  });

  test('a non-ASCII secret is decoded as UTF-8', () => {
    expect(parseBasicAuthorization(`Basic ${b64('acct-1:pässwörd-\u{1F511}')}`)?.secret).toBe('pässwörd-\u{1F511}');
  });

  test.each<[string, string | undefined]>([
    ['missing', undefined],
    ['empty', ''],
    ['Bearer', `Bearer ${b64('acct-1:s3cret')}`],
    ['Basic without a token', 'Basic'],
    ['Basic with a blank token', 'Basic    '],
    ['no space after the scheme', `Basic${b64('acct-1:s3cret')}`],
    ['two tokens', `Basic ${b64('acct-1:s3cret')} extra`],
    ['non-base64', 'Basic !!!not*base64!!!'],
    ['base64url alphabet', 'Basic YWNjdC0xOnM-Pz8_'],
    ['unpadded base64', `Basic ${b64('acct-1:s3cret').replace(/=+$/, '')}`],
    ['no colon', `Basic ${b64('acct-1s3cret')}`],
    ['empty account id', `Basic ${b64(':s3cret')}`],
    ['empty secret', `Basic ${b64('acct-1:')}`],
    ['account id with "#"', `Basic ${b64('acct#1:s3cret')}`],
    ['account id with a space', `Basic ${b64('acct 1:s3cret')}`],
    ['account id starting with "-"', `Basic ${b64('-acct:s3cret')}`],
    ['account id of 65 characters', `Basic ${b64(`${'a'.repeat(65)}:s3cret`)}`],
  ])('%s -> undefined', (_label, header) => {
    expect(parseBasicAuthorization(header)).toBeUndefined();
  });

  test('the unpadded case really is the only difference', () => {
    const padded = b64('acct-1:s3cret');
    expect(padded.endsWith('==')).toBe(true);
    expect(parseBasicAuthorization(`Basic ${padded}`)).toEqual({ account_id: 'acct-1', secret: 's3cret' });
  });
});

describe('basicAuth middleware', () => {
  const credential = createCredential('s3cret');
  const request = (
    authorization?: string,
  ): Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, AuthenticatedContext> => ({
    event: apiEvent({ headers: authorization === undefined ? {} : { authorization } }),
    context: lambdaContext() as AuthenticatedContext, // account_id is what the middleware adds
    response: undefined,
    error: undefined,
    internal: {},
  });
  const run = async (store: InMemoryCredentialStore, authorization?: string) => {
    const req = request(authorization);
    const before = basicAuth(store).before;
    if (before === undefined) throw new Error('basicAuth has no before');
    await before(req);
    return req;
  };
  const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
    promise.then(
      () => {
        throw new Error('expected a rejection');
      },
      (error: unknown) => error,
    );

  test('puts the authenticated account on the context', async () => {
    const store = new InMemoryCredentialStore({ 'acct-1': credential });
    const req = await run(store, basicAuthorization('acct-1', 's3cret'));
    expect(req.context.account_id).toBe('acct-1');
    expect(store.lookups).toEqual(['acct-1']);
  });

  test.each([
    ['a wrong secret', basicAuthorization('acct-1', 'wrong')],
    ['an unknown account', basicAuthorization('acct-2', 's3cret')],
    ['another account presenting a valid secret', basicAuthorization('acct-2', 's3cret')],
  ])('%s -> 401 HttpError with WWW-Authenticate', async (_label, header) => {
    const store = new InMemoryCredentialStore({ 'acct-1': credential, 'acct-3': createCredential('other') });
    const error = await rejection(run(store, header));
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).statusCode).toBe(401);
    expect((error as HttpError).headers).toEqual({ 'www-authenticate': WWW_AUTHENTICATE });
  });

  test('an unparsable header is refused without looking up any account', async () => {
    const store = new InMemoryCredentialStore({ 'acct-1': credential });
    const error = await rejection(run(store, 'Bearer token'));
    expect((error as HttpError).statusCode).toBe(401);
    expect(store.lookups).toEqual([]);
  });

  test('the 401 error carries neither the header nor the secret', async () => {
    const store = new InMemoryCredentialStore({ 'acct-1': credential });
    const header = basicAuthorization('acct-1', 'wrong-secret-value');
    const error = (await rejection(run(store, header))) as HttpError;
    const visible = JSON.stringify({
      message: error.message,
      detail: error.detail,
      headers: error.headers,
      stack: error.stack,
    });
    expect(visible).not.toContain('wrong-secret-value');
    expect(visible).not.toContain(header.slice('Basic '.length));
  });

  test('a credential store outage propagates (503), it is not a 401', async () => {
    const store = new InMemoryCredentialStore({ 'acct-1': credential });
    store.failure = new DependencyUnavailable('dynamodb');
    await expect(run(store, basicAuthorization('acct-1', 's3cret'))).rejects.toBeInstanceOf(DependencyUnavailable);
  });
});
