// A webhook receiver in plain Node (no dependencies): verifies orders-complete's Standard Webhooks signatures.
// Copy verifyWebhook into your app; run this file to try it against `npm start`:
//   WEBHOOK_SECRET=whsec_... PORT=4030 node examples/webhook-receiver.js
//   npm run webhooks -- add local-account http://localhost:4030/webhooks   (prints the secret to use above)
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node (CommonJS), copied into apps as is */
const { createHmac, timingSafeEqual } = require('node:crypto');
const { createServer } = require('node:http');

const TOLERANCE_SECONDS = 5 * 60;

/**
 * Throws unless the delivery is signed with `secret` (`whsec_...`). `headers` are the request's (lower-case names),
 * `rawBody` the exact bytes received (verify before parsing JSON). Returns the parsed body.
 * Several secrets (a rotation on your side): call it with each until one passes.
 */
const verifyWebhook = (secret, headers, rawBody, nowSeconds = Math.floor(Date.now() / 1000)) => {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) throw new Error('missing webhook headers');
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS) {
    throw new Error('timestamp outside the tolerance (replayed or clock skew)');
  }
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody, 'utf8');
  const expected = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]))
    .digest();
  // During our rotation the header carries two "v1,<base64>" entries: either may match.
  const matches = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || value === undefined) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new Error('no matching signature');
  return JSON.parse(body.toString('utf8'));
};

/** A tiny server: 204 for a verified delivery (de-duplicate on webhook-id!), 401 otherwise. */
const startReceiver = (secret, port, onEvent) => {
  const seen = new Set();
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      let events;
      try {
        events = verifyWebhook(secret, request.headers, Buffer.concat(chunks));
      } catch (error) {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'Invalid webhook', detail: { reason: error.message } }));
        return;
      }
      const id = request.headers['webhook-id'];
      if (!seen.has(id)) {
        seen.add(id); // use a durable store (with a TTL of a few days) in a real app
        for (const event of events) onEvent(event, id);
      }
      response.writeHead(204).end();
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
};

module.exports = { verifyWebhook, startReceiver };

if (require.main === module) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret) {
    console.error('set WEBHOOK_SECRET to the secret `npm run webhooks -- add` printed');
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 4030);
  void startReceiver(secret, port, (event, id) =>
    console.log(id, event.type, event.data?.value, event.data?.order_handle),
  ).then(() => console.log(`listening on http://localhost:${port}/webhooks`));
}
