/** What the DynamoDB store writes besides the API's fields (keys, owner, the outbox marker and its index keys). */
export const INTERNAL_ATTRIBUTES = [
  'pk',
  'sk',
  'account_id',
  'pending_event',
  'pending_shard',
  'pending_since',
] as const;
