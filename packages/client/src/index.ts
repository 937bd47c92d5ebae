// @booking-chat/client: the apps' SDK for booking-chat (see README.md).
export { createChatClient } from './chat-client.ts';
export type { ChatClient, ChatClientOptions, ChatEvents, SendOptions, SendImageOptions, TypingEvent, ReceiptEvent } from './chat-client.ts';
export type { ReactionChange } from './known-messages.ts';
export type { Deletion } from './catch-up.ts';
export type { ChatStatus } from './connection.ts';
export type { OutboxEntry, FailedSend } from './outbox.ts';
export type { NativeFile, UploadProgress } from './image-upload.ts';
export type { BackoffOptions } from './backoff.ts';
export { ChatError, type ChatErrorCode } from './chat-error.ts';
export { memoryStorage, type ChatStorage } from './storage.ts';
export { indexedDbStorage } from './indexeddb-storage.ts';
export type {
  Chat,
  ChatMember,
  Message,
  Sender,
  ImageInfo,
  SystemInfo,
  ReplyPreview,
  ReactionSummary,
} from '../../../bridge/src/protocol/types.ts';
export type { ErrorCode } from '../../../bridge/src/protocol/errors.ts';
