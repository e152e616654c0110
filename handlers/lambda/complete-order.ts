import { createCompleteOrderLambda } from '../complete-order';

/**
 * The Lambda entry of POST /orders/{order_handle}/complete (serverless.yml), built as ESM: the top-level await
 * runs at init, so the first request finds the handler ready, and the Tracer is imported only when tracing is on.
 */
export const handler = await createCompleteOrderLambda();
