// What a typical frontend does with the generated types, compiled by `tsc --noEmit --strict` in CI:
// a schema change that breaks such a client (a field removed or renamed, a nullability or type
// changed, a scalar left unmapped) fails the build here before it fails in an app.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { createClient } from "graphql-ws";

import {
  ContinueWatchingDocument,
  ConversationsDocument,
  MessageSentDocument,
  type MessageSentSubscription,
  type MessageSentSubscriptionVariables,
  MessagesDocument,
  type ReactionType,
  SaveVideoProgressDocument,
  SendMessageDocument,
  StartDirectConversationDocument,
  ToggleVideoReactionDocument,
  ViewerDocument,
} from "./gql/graphql";

type GraphQLResponse<TResult> = {
  data?: TResult | null;
  errors?: { message: string; extensions?: { code?: string } }[];
};

/** The persisted document's hash, which the client preset embeds in each document it generates. */
function hashOf(document: TypedDocumentNode<unknown, never>): string {
  const hash = (document as unknown as { __meta__?: { hash?: string } }).__meta__?.hash;
  if (hash === undefined) throw new Error("the document was generated without a persisted hash");
  return hash;
}

/** Sends an operation by its hash alone, as a production client does against the trusted documents. */
export async function execute<TResult, TVariables>(
  url: string,
  token: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const hash = hashOf(document);
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  });
  const body = (await response.json()) as GraphQLResponse<TResult>;
  const error = body.errors?.[0];
  if (error !== undefined) throw new Error(`${error.extensions?.code ?? "ERROR"}: ${error.message}`);
  if (body.data == null) throw new Error("no data");
  return body.data;
}

export async function header(url: string, token: string): Promise<string> {
  const { viewer } = await execute(url, token, ViewerDocument, {});
  return viewer.avatarUrl === null || viewer.avatarUrl === undefined
    ? viewer.displayName
    : `${viewer.displayName} <${viewer.avatarUrl}>`;
}

export async function reportProgress(url: string, token: string, videoId: string, at: number): Promise<boolean> {
  const { saveVideoProgress } = await execute(url, token, SaveVideoProgressDocument, {
    input: { videoId, watchedSeconds: at, lastPosition: at, durationSeconds: 1260, recordedAt: new Date().toISOString() },
  });
  const savedAt: Date = new Date(saveVideoProgress.updatedAt); // DateTime is RFC 3339 text
  return saveVideoProgress.completed && savedAt.getTime() > 0;
}

export async function love(url: string, token: string, videoId: string): Promise<[number, ReactionType | null]> {
  const type: ReactionType = "LOVE";
  const { toggleVideoReaction } = await execute(url, token, ToggleVideoReactionDocument, {
    reaction: { videoId, type },
  });
  const counts: number = toggleVideoReaction.reactionCounts.total;
  return [counts, toggleVideoReaction.video.viewerReaction ?? null];
}

export async function continueWatching(url: string, token: string): Promise<string[]> {
  const { continueWatching } = await execute(url, token, ContinueWatchingDocument, { first: 10 });
  return continueWatching.edges.map(({ node }) => {
    const resumeAt: number = node.viewerProgress?.lastPosition ?? 0;
    const watched = node.viewerProgress ? new Date(node.viewerProgress.updatedAt).toLocaleDateString() : "never";
    return `${node.title}: resume at ${resumeAt} of ${node.durationSeconds}s (last watched ${watched})`;
  });
}

export async function shareVideo(url: string, token: string, userId: string, videoId: string): Promise<string> {
  const { startDirectConversation } = await execute(url, token, StartDirectConversationDocument, {
    input: { userId },
  });
  const { sendMessage } = await execute(url, token, SendMessageDocument, {
    input: {
      conversationId: startDirectConversation.id,
      type: "SHARED_VIDEO",
      sharedVideoId: videoId,
      body: "Watch this",
      clientMessageId: crypto.randomUUID(),
    },
  });
  return `${sendMessage.id} at ${new Date(sendMessage.createdAt).toISOString()}`;
}

export async function chatScreen(url: string, token: string, conversationId: string): Promise<string[]> {
  const { messages } = await execute(url, token, MessagesDocument, { conversationId, first: 20 });
  const lines = messages.edges.map(({ node }) => {
    const card = node.sharedVideo ? ` [${node.sharedVideo.title}, ${node.sharedVideo.durationSeconds}s]` : "";
    const post = node.sharedPost ? ` [${node.sharedPost.author.displayName}: ${node.sharedPost.body}]` : "";
    const sent = new Date(node.createdAt);
    return `${sent.toISOString()} ${node.sender.displayName} (${node.type}): ${node.body ?? ""}${card}${post}`;
  });
  return messages.pageInfo.hasNextPage ? [...lines, `more after ${messages.pageInfo.endCursor}`] : lines;
}

export async function inbox(url: string, token: string): Promise<string[]> {
  const { conversations } = await execute(url, token, ConversationsDocument, { first: 20 });
  return conversations.edges.map(({ node }) => {
    const names = node.participants.map((user) => user.displayName).join(", ");
    const last = node.lastMessage ? new Date(node.lastMessage.createdAt).toISOString() : "no messages";
    return `${names}: ${last}`;
  });
}

/** The chat screen, live over graphql-ws: the token in connection_init's payload, each new message as it
 * is stored. Whenever the subscription ends (a lost connection, RESUBSCRIBE, a server shutting down) it
 * subscribes again with `after` set to the last cursor received: nothing missed, nothing twice. */
export function liveChat(wsUrl: string, token: string, conversationId: string, show: (line: string) => void): () => void {
  // No retries inside the client: it would resubscribe with the first `after`; ours sends the latest.
  const client = createClient({ url: wsUrl, connectionParams: { Authorization: `Bearer ${token}` }, retryAttempts: 0 });
  let after: string | null = null;
  let stopped = false;
  let unsubscribe: () => void = () => {};
  const again = (delayMs: number): void => {
    if (!stopped) setTimeout(subscribe, delayMs);
  };
  const subscribe = (): void => {
    const variables: MessageSentSubscriptionVariables = { conversationId, after };
    // By hash alone, as `execute` sends operations: a production server runs only its trusted documents.
    const extensions = { persistedQuery: { version: 1, sha256Hash: hashOf(MessageSentDocument) } };
    unsubscribe = client.subscribe<MessageSentSubscription>(
      { query: "", variables, extensions },
      {
        next: ({ data, errors }) => {
          const resume = errors?.find((error) => error.extensions?.code === "RESUBSCRIBE")?.extensions?.after;
          if (typeof resume === "string") after = resume;
          if (!data) return;
          after = data.messageSent.cursor;
          const { node } = data.messageSent;
          const card = node.sharedVideo ? ` [${node.sharedVideo.title}]` : "";
          show(`${new Date(node.createdAt).toISOString()} ${node.sender.displayName}: ${node.body ?? ""}${card}`);
        },
        error: () => again(1000),
        complete: () => again(100),
      },
    );
  };
  subscribe();
  return () => {
    stopped = true;
    unsubscribe();
    void client.dispose();
  };
}
