// The reference client: graphql-ws (what Apollo Client and urql use underneath) subscribes to
// messageSent, prints {"connected": true} once the server acknowledged, then each message id as it
// arrives, and exits 0 once it received COUNT messages in increasing order (1 otherwise).
// Usage: node client.mjs WS_URL TOKEN CONVERSATION_ID COUNT [AFTER_CURSOR]
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, token, conversationId, count, after] = process.argv.slice(2);
const query = `subscription Sent($conversationId: ID!, $after: String) {
  messageSent(conversationId: $conversationId, after: $after) {
    cursor
    node { id body sender { id displayName } }
  }
}`;

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: { connected: () => console.log(JSON.stringify({ connected: true })) },
});

const ids = [];
const failure = await new Promise((resolve) => {
  const timer = setTimeout(() => resolve("timed out"), 30_000);
  const unsubscribe = client.subscribe(
    { query, variables: { conversationId, after: after ?? null } },
    {
      next: (result) => {
        if (result.errors) return resolve(JSON.stringify(result.errors));
        const edge = result.data.messageSent;
        ids.push(Number(edge.node.id));
        console.log(JSON.stringify({ id: edge.node.id, cursor: edge.cursor }));
        if (ids.length === Number(count)) {
          clearTimeout(timer);
          unsubscribe();
          resolve(null);
        }
      },
      error: (error) => resolve(String(error?.reason ?? error?.message ?? error)),
      complete: () => resolve(ids.length === Number(count) ? null : "completed early"),
    },
  );
});
await client.dispose();
const ordered = ids.every((id, n) => n === 0 || ids[n - 1] < id);
if (failure || !ordered) {
  console.error(failure ?? `out of order: ${ids}`);
  process.exit(1);
}
console.log(JSON.stringify({ done: ids }));
