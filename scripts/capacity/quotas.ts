/**
 * The AWS quotas the capacity model checks, with their documented defaults (us-east-1) and whether they can be
 * raised. Sources checked 2026-12; a raised quota in your account: pass it on the command line (docs/capacity.md).
 */
export interface Quota {
  /** Documented default, in `unit`. */
  limit: number;
  unit: string;
  raisable: boolean;
  source: string;
}

export const QUOTAS = {
  apiGatewayAccountRps: {
    limit: 10_000,
    unit: 'requests/s per account per Region (all APIs; burst bucket 5 000, not customer-controlled)',
    raisable: true,
    source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html',
  },
  lambdaConcurrency: {
    limit: 1_000,
    unit: 'concurrent executions per account per Region',
    raisable: true,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
  },
  lambdaScalingRate: {
    limit: 1_000,
    unit: 'new execution environments per function every 10 s',
    raisable: false,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html',
  },
  dynamodbTableWrites: {
    limit: 40_000,
    unit: 'write request units/s per on-demand table (and per GSI)',
    raisable: true,
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
  },
  dynamodbTableReads: {
    limit: 40_000,
    unit: 'read request units/s per on-demand table',
    raisable: true,
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html',
  },
  dynamodbPartitionWrites: {
    limit: 1_000,
    unit: 'write units/s per partition (one pending-events shard is one index partition key)',
    raisable: false,
    source: 'https://repost.aws/knowledge-center/on-demand-table-throttling-dynamodb',
  },
  dynamodbPartitionReads: {
    limit: 3_000,
    unit: 'read units/s per partition (one account item)',
    raisable: false,
    source: 'https://repost.aws/knowledge-center/on-demand-table-throttling-dynamodb',
  },
  eventBridgePutEvents: {
    limit: 10_000,
    unit: 'PutEvents requests/s per account in us-east-1 (2 400 in us-east-2; less elsewhere)',
    raisable: true,
    source: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html',
  },
  eventBridgeInvocations: {
    limit: 18_750,
    unit: 'rule target invocations/s in us-east-1 (one subscriber rule = one per event)',
    raisable: true,
    source: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html',
  },
} satisfies Record<string, Quota>;

export type QuotaName = keyof typeof QUOTAS;

/** Prices not recorded by the bench (us-east-1, on-demand list prices). */
export const EXTRA_PRICES_USD = {
  /** HTTP API, per request (first 300 million a month; $0.90 after). */
  http_api_request: 1.0e-6,
};

/** Seconds in the 30-day month the costs are given for. */
export const SECONDS_PER_MONTH = 30 * 24 * 3_600;
