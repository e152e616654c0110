import { createRelayLambda } from '../relay-pending-events';

/** The Lambda entry of the scheduled relay (serverless.yml), built as ESM; see handlers/lambda/complete-order.ts. */
export const handler = await createRelayLambda();
