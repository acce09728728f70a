/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query ContinueWatching($first: Int!, $after: String) {\n  continueWatching(first: $first, after: $after) {\n    edges {\n      node {\n        id\n        title\n        thumbnailUrl\n        durationSeconds\n        viewerProgress {\n          lastPosition\n          updatedAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.ContinueWatchingDocument,
    "subscription ConversationUpdated {\n  conversationUpdated {\n    id\n    lastMessage {\n      body\n      createdAt\n      sender {\n        displayName\n      }\n    }\n  }\n}": typeof types.ConversationUpdatedDocument,
    "query Conversations($first: Int!, $after: String) {\n  conversations(first: $first, after: $after) {\n    edges {\n      node {\n        id\n        participants {\n          id\n          displayName\n          avatarUrl\n        }\n        lastMessage {\n          type\n          body\n          createdAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.ConversationsDocument,
    "subscription MessageSent($conversationId: ID!, $after: String) {\n  messageSent(conversationId: $conversationId, after: $after) {\n    cursor\n    node {\n      id\n      type\n      body\n      createdAt\n      sender {\n        displayName\n      }\n      sharedVideo {\n        title\n        thumbnailUrl\n        durationSeconds\n      }\n    }\n  }\n}": typeof types.MessageSentDocument,
    "query Messages($conversationId: ID!, $first: Int!, $after: String) {\n  messages(conversationId: $conversationId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        type\n        body\n        createdAt\n        sender {\n          displayName\n        }\n        sharedVideo {\n          title\n          thumbnailUrl\n          durationSeconds\n        }\n        sharedPost {\n          body\n          author {\n            displayName\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.MessagesDocument,
    "mutation SaveVideoProgress($input: SaveVideoProgressInput!) {\n  saveVideoProgress(input: $input) {\n    watchedSeconds\n    lastPosition\n    completed\n    updatedAt\n  }\n}": typeof types.SaveVideoProgressDocument,
    "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    id\n    createdAt\n  }\n}": typeof types.SendMessageDocument,
    "mutation StartDirectConversation($input: StartDirectConversationInput!) {\n  startDirectConversation(input: $input) {\n    id\n    createdAt\n    participants {\n      id\n      displayName\n    }\n  }\n}": typeof types.StartDirectConversationDocument,
    "mutation TogglePostReaction($input: TogglePostReactionInput!) {\n  togglePostReaction(input: $input) {\n    action\n    type\n    reactionCounts {\n      like\n      love\n      haha\n      wow\n      sad\n      pray\n      total\n    }\n    post {\n      id\n      viewerReaction\n    }\n  }\n}": typeof types.TogglePostReactionDocument,
    "mutation ToggleVideoReaction($reaction: ToggleVideoReactionInput!) {\n  toggleVideoReaction(reaction: $reaction) {\n    action\n    type\n    reactionCounts {\n      love\n      total\n    }\n    video {\n      id\n      viewerReaction\n    }\n  }\n}": typeof types.ToggleVideoReactionDocument,
    "query Viewer {\n  viewer {\n    id\n    displayName\n    avatarUrl\n  }\n}": typeof types.ViewerDocument,
};
const documents: Documents = {
    "query ContinueWatching($first: Int!, $after: String) {\n  continueWatching(first: $first, after: $after) {\n    edges {\n      node {\n        id\n        title\n        thumbnailUrl\n        durationSeconds\n        viewerProgress {\n          lastPosition\n          updatedAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.ContinueWatchingDocument,
    "subscription ConversationUpdated {\n  conversationUpdated {\n    id\n    lastMessage {\n      body\n      createdAt\n      sender {\n        displayName\n      }\n    }\n  }\n}": types.ConversationUpdatedDocument,
    "query Conversations($first: Int!, $after: String) {\n  conversations(first: $first, after: $after) {\n    edges {\n      node {\n        id\n        participants {\n          id\n          displayName\n          avatarUrl\n        }\n        lastMessage {\n          type\n          body\n          createdAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.ConversationsDocument,
    "subscription MessageSent($conversationId: ID!, $after: String) {\n  messageSent(conversationId: $conversationId, after: $after) {\n    cursor\n    node {\n      id\n      type\n      body\n      createdAt\n      sender {\n        displayName\n      }\n      sharedVideo {\n        title\n        thumbnailUrl\n        durationSeconds\n      }\n    }\n  }\n}": types.MessageSentDocument,
    "query Messages($conversationId: ID!, $first: Int!, $after: String) {\n  messages(conversationId: $conversationId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        type\n        body\n        createdAt\n        sender {\n          displayName\n        }\n        sharedVideo {\n          title\n          thumbnailUrl\n          durationSeconds\n        }\n        sharedPost {\n          body\n          author {\n            displayName\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.MessagesDocument,
    "mutation SaveVideoProgress($input: SaveVideoProgressInput!) {\n  saveVideoProgress(input: $input) {\n    watchedSeconds\n    lastPosition\n    completed\n    updatedAt\n  }\n}": types.SaveVideoProgressDocument,
    "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    id\n    createdAt\n  }\n}": types.SendMessageDocument,
    "mutation StartDirectConversation($input: StartDirectConversationInput!) {\n  startDirectConversation(input: $input) {\n    id\n    createdAt\n    participants {\n      id\n      displayName\n    }\n  }\n}": types.StartDirectConversationDocument,
    "mutation TogglePostReaction($input: TogglePostReactionInput!) {\n  togglePostReaction(input: $input) {\n    action\n    type\n    reactionCounts {\n      like\n      love\n      haha\n      wow\n      sad\n      pray\n      total\n    }\n    post {\n      id\n      viewerReaction\n    }\n  }\n}": types.TogglePostReactionDocument,
    "mutation ToggleVideoReaction($reaction: ToggleVideoReactionInput!) {\n  toggleVideoReaction(reaction: $reaction) {\n    action\n    type\n    reactionCounts {\n      love\n      total\n    }\n    video {\n      id\n      viewerReaction\n    }\n  }\n}": types.ToggleVideoReactionDocument,
    "query Viewer {\n  viewer {\n    id\n    displayName\n    avatarUrl\n  }\n}": types.ViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ContinueWatching($first: Int!, $after: String) {\n  continueWatching(first: $first, after: $after) {\n    edges {\n      node {\n        id\n        title\n        thumbnailUrl\n        durationSeconds\n        viewerProgress {\n          lastPosition\n          updatedAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query ContinueWatching($first: Int!, $after: String) {\n  continueWatching(first: $first, after: $after) {\n    edges {\n      node {\n        id\n        title\n        thumbnailUrl\n        durationSeconds\n        viewerProgress {\n          lastPosition\n          updatedAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ConversationUpdated {\n  conversationUpdated {\n    id\n    lastMessage {\n      body\n      createdAt\n      sender {\n        displayName\n      }\n    }\n  }\n}"): (typeof documents)["subscription ConversationUpdated {\n  conversationUpdated {\n    id\n    lastMessage {\n      body\n      createdAt\n      sender {\n        displayName\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Conversations($first: Int!, $after: String) {\n  conversations(first: $first, after: $after) {\n    edges {\n      node {\n        id\n        participants {\n          id\n          displayName\n          avatarUrl\n        }\n        lastMessage {\n          type\n          body\n          createdAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Conversations($first: Int!, $after: String) {\n  conversations(first: $first, after: $after) {\n    edges {\n      node {\n        id\n        participants {\n          id\n          displayName\n          avatarUrl\n        }\n        lastMessage {\n          type\n          body\n          createdAt\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription MessageSent($conversationId: ID!, $after: String) {\n  messageSent(conversationId: $conversationId, after: $after) {\n    cursor\n    node {\n      id\n      type\n      body\n      createdAt\n      sender {\n        displayName\n      }\n      sharedVideo {\n        title\n        thumbnailUrl\n        durationSeconds\n      }\n    }\n  }\n}"): (typeof documents)["subscription MessageSent($conversationId: ID!, $after: String) {\n  messageSent(conversationId: $conversationId, after: $after) {\n    cursor\n    node {\n      id\n      type\n      body\n      createdAt\n      sender {\n        displayName\n      }\n      sharedVideo {\n        title\n        thumbnailUrl\n        durationSeconds\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Messages($conversationId: ID!, $first: Int!, $after: String) {\n  messages(conversationId: $conversationId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        type\n        body\n        createdAt\n        sender {\n          displayName\n        }\n        sharedVideo {\n          title\n          thumbnailUrl\n          durationSeconds\n        }\n        sharedPost {\n          body\n          author {\n            displayName\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query Messages($conversationId: ID!, $first: Int!, $after: String) {\n  messages(conversationId: $conversationId, first: $first, after: $after) {\n    edges {\n      cursor\n      node {\n        id\n        type\n        body\n        createdAt\n        sender {\n          displayName\n        }\n        sharedVideo {\n          title\n          thumbnailUrl\n          durationSeconds\n        }\n        sharedPost {\n          body\n          author {\n            displayName\n          }\n        }\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SaveVideoProgress($input: SaveVideoProgressInput!) {\n  saveVideoProgress(input: $input) {\n    watchedSeconds\n    lastPosition\n    completed\n    updatedAt\n  }\n}"): (typeof documents)["mutation SaveVideoProgress($input: SaveVideoProgressInput!) {\n  saveVideoProgress(input: $input) {\n    watchedSeconds\n    lastPosition\n    completed\n    updatedAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    id\n    createdAt\n  }\n}"): (typeof documents)["mutation SendMessage($input: SendMessageInput!) {\n  sendMessage(input: $input) {\n    id\n    createdAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation StartDirectConversation($input: StartDirectConversationInput!) {\n  startDirectConversation(input: $input) {\n    id\n    createdAt\n    participants {\n      id\n      displayName\n    }\n  }\n}"): (typeof documents)["mutation StartDirectConversation($input: StartDirectConversationInput!) {\n  startDirectConversation(input: $input) {\n    id\n    createdAt\n    participants {\n      id\n      displayName\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation TogglePostReaction($input: TogglePostReactionInput!) {\n  togglePostReaction(input: $input) {\n    action\n    type\n    reactionCounts {\n      like\n      love\n      haha\n      wow\n      sad\n      pray\n      total\n    }\n    post {\n      id\n      viewerReaction\n    }\n  }\n}"): (typeof documents)["mutation TogglePostReaction($input: TogglePostReactionInput!) {\n  togglePostReaction(input: $input) {\n    action\n    type\n    reactionCounts {\n      like\n      love\n      haha\n      wow\n      sad\n      pray\n      total\n    }\n    post {\n      id\n      viewerReaction\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ToggleVideoReaction($reaction: ToggleVideoReactionInput!) {\n  toggleVideoReaction(reaction: $reaction) {\n    action\n    type\n    reactionCounts {\n      love\n      total\n    }\n    video {\n      id\n      viewerReaction\n    }\n  }\n}"): (typeof documents)["mutation ToggleVideoReaction($reaction: ToggleVideoReactionInput!) {\n  toggleVideoReaction(reaction: $reaction) {\n    action\n    type\n    reactionCounts {\n      love\n      total\n    }\n    video {\n      id\n      viewerReaction\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Viewer {\n  viewer {\n    id\n    displayName\n    avatarUrl\n  }\n}"): (typeof documents)["query Viewer {\n  viewer {\n    id\n    displayName\n    avatarUrl\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;