import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { baseUrl, client, completeJson, makeOrder, seedOrders, uniqueHandle, type HttpResult } from './support/e2e';

/**
 * GET /openapi.json serves the committed document, and what the running stack answers is what it
 * documents: every body validates against the documented schema, documented headers are sent, and
 * the error examples are the service's real bodies.
 */
const committed = JSON.parse(readFileSync(join(resolve(__dirname, '..', '..'), 'openapi', 'openapi.json'), 'utf8')) as {
  paths: Record<
    string,
    {
      post: {
        responses: Record<
          string,
          {
            headers?: Record<string, { schema: { const?: string } }>;
            content: {
              'application/json': { schema: { $ref: string }; examples: Record<string, { value: unknown }> };
            };
          }
        >;
      };
    }
  >;
};
const responses = committed.paths['/orders/{order_handle}/complete']!.post.responses;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(committed, 'openapi.json');

const expectDocumented = (result: HttpResult, exampleName?: string): void => {
  const documented = responses[String(result.status)];
  if (documented === undefined) throw new Error(`status ${result.status} is not in openapi.json: ${result.text}`);
  const content = documented.content['application/json'];
  const validate = ajv.getSchema(`openapi.json${content.schema.$ref}`);
  if (validate === undefined) throw new Error(`no schema ${content.schema.$ref}`);
  expect({ valid: validate(result.body), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
  for (const [header, spec] of Object.entries(documented.headers ?? {})) {
    const value = result.headers.get(header);
    expect(value).not.toBeNull();
    if (spec.schema.const !== undefined) expect(value).toBe(spec.schema.const);
  }
  if (exampleName !== undefined) expect(result.body).toEqual(content.examples[exampleName]?.value);
};

describe('GET /openapi.json', () => {
  test('serves the committed OpenAPI document as JSON, without credentials', async () => {
    const response = await fetch(`${baseUrl()}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(committed);
  });
});

describe('the running API answers as openapi.json documents', () => {
  test('200: the order validates against the Order schema', async () => {
    const handle = uniqueHandle('openapi-200');
    await seedOrders(client, [makeOrder({ order_handle: handle })]);
    const result = await completeJson(handle);
    expect(result.status).toBe(200);
    expectDocumented(result);
  });

  test('401 with WWW-Authenticate: the documented example', async () => {
    expectDocumented(await completeJson('order-1', { auth: null }), 'unauthenticated');
  });

  test('404: the documented example', async () => {
    expectDocumented(await completeJson(uniqueHandle('openapi-404')), 'notFound');
  });

  test('409: the documented example', async () => {
    const handle = uniqueHandle('openapi-409');
    await seedOrders(client, [makeOrder({ order_handle: handle, status: 'cancelled' })]);
    expectDocumented(await completeJson(handle), 'cancelled');
  });

  test('413, 415 and 422: the documented examples', async () => {
    expectDocumented(await completeJson('order-1', { body: `{"pad":"${'x'.repeat(17_000)}"}` }), 'tooLarge');
    expectDocumented(await completeJson('order-1', { body: 'hello', contentType: 'text/plain' }), 'notJson');
    expectDocumented(await completeJson('order-1', { query: 'type=both' }), 'badQuery');
  });

  test('422 for a pick/drop order without ?type=: the documented example', async () => {
    const handle = uniqueHandle('openapi-422');
    await seedOrders(client, [
      makeOrder({ order_handle: handle, type: 'pick' }),
      makeOrder({ order_handle: handle, type: 'drop' }),
    ]);
    expectDocumented(await completeJson(handle), 'ambiguous');
  });
});
