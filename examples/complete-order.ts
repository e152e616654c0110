/**
 * A TypeScript caller of POST /orders/{order_handle}/complete: openapi-fetch with the types openapi-typescript
 * generates from the API's document (README "TypeScript client" shows the part between the region markers).
 * Run it against `npm start`: `npx tsx examples/complete-order.ts order-1` (BASE_URL moves it elsewhere).
 */
// #region readme
import createClient from 'openapi-fetch';
import type { operations, paths } from '../openapi/client'; // npx openapi-typescript <base>/openapi.json -o client.d.ts

type Responses = operations['completeOrder']['responses'];
/** One documented answer: its status and the body the document gives that status. */
export type CompleteOrderAnswer = {
  [S in keyof Responses]: { status: S; body: Responses[S]['content']['application/json'] };
}[keyof Responses];

export const completeOrder = async (baseUrl: string, auth: string, handle: string): Promise<CompleteOrderAnswer> => {
  const client = createClient<paths>({ baseUrl, headers: { authorization: `Basic ${btoa(auth)}` } });
  const { data, error, response } = await client.POST('/orders/{order_handle}/complete', {
    params: { path: { order_handle: handle } },
    body: {},
  });
  // openapi-fetch types `error` as any error body; the document pairs each status with one of them.
  return { status: response.status, body: data ?? error } as CompleteOrderAnswer;
};

export const describeAnswer = (answer: CompleteOrderAnswer): string => {
  switch (answer.status) {
    case 200:
      return `completed at ${answer.body.completed_at}`; // the Order
    case 409:
      return `cannot complete: ${JSON.stringify(answer.body.detail)}`; // {status: 'cancelled'} or {reason: ...}
    case 422:
      return `fix the request: ${JSON.stringify(answer.body.detail)}`; // problems by location, then field
    default:
      return `${answer.status}: ${answer.body.message}`; // 401, 404, 413, 415, 429, 500, 503
  }
};
// #endregion readme

const main = async (): Promise<void> => {
  const baseUrl = process.env.BASE_URL ?? 'http://localhost:3000';
  const answer = await completeOrder(baseUrl, 'local-account:local-secret', process.argv[2] ?? 'order-1');
  console.log(`${answer.status} ${describeAnswer(answer)}`);
};

if (require.main === module) void main();
