// Unit tests import handler modules, which read config at load time; give them a valid one with no I/O.
process.env.AWS_REGION ??= 'us-east-1';
process.env.ORDERS_TABLE_NAME ??= 'orders-unit';
process.env.EVENT_BUS_NAME ??= 'orders-unit';
process.env.EVENT_SOURCE ??= 'orders-complete.unit';
process.env.ACCOUNTS_TABLE_NAME ??= 'accounts-unit';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_ACCESS_KEY_ID ??= 'unit';
process.env.AWS_SECRET_ACCESS_KEY ??= 'unit';
