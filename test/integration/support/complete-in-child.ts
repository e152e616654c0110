/**
 * Run as its own process (tsx) by the process-death test: completes ORDER_HANDLE once through the real
 * complete-order Lambda module, configured from the environment like in AWS. The test kills it mid-publish.
 */
import type { AuthenticatedContext } from '../../../handlers/http/basic-auth';
import { completeEvent, lambdaContext, LOCAL_AUTH } from './http';

const main = async (): Promise<void> => {
  const { createCompleteOrderLambda } = await import('../../../handlers/complete-order');
  const handler = await createCompleteOrderLambda();
  const event = completeEvent(process.env.ORDER_HANDLE ?? '', {
    authorization: LOCAL_AUTH,
    body: '{}',
    contentType: 'application/json',
  });
  const response = await handler(event, lambdaContext(10_000) as AuthenticatedContext);
  process.stdout.write(`${JSON.stringify(response)}\n`);
};

void main();
