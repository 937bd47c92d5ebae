// Wire protocol v1: the shapes apps see. Shared by the bridge and the client SDK (packages/client).

export type Role = 'customer' | 'artist';
export type SenderRole = Role | 'support' | 'system';

export interface Sender {
  id: string;
  role: SenderRole;
  name: string;
}

export interface ImageInfo {
  url: string;
  thumbnailUrl: string;
  width: number;
  height: number;
  mimetype: string;
  size: number;
}

export interface SystemInfo {
  type: string;
  data: Record<string, unknown>;
}

export interface Message {
  /** The Matrix event id. */
  id: string;
  bookingId: string;
  /** Orders messages; `sync` resumes after it. */
  cursor: string;
  sender: Sender;
  kind: 'text' | 'image' | 'system';
  text?: string;
  image?: ImageInfo;
  system?: SystemInfo;
  clientId?: string;
  createdAt: string;
  /** When the text was last edited (the text is the current one). */
  editedAt?: string;
  /** The message this one answers, as it is now. */
  replyTo?: ReplyPreview;
  /** Reactions now on the message, one entry per key in the order they were first given; always present. */
  reactions: ReactionSummary[];
}

export interface ReplyPreview {
  /** The original's id. */
  id: string;
  /** Who wrote the original. */
  sender: Sender;
  /** The start of the original's current text (`Photo` for an image without a caption); null once it was deleted. */
  preview: string | null;
}

export interface ReactionSummary {
  key: string;
  count: number;
  /** Whether the user reading has given this key. */
  mine: boolean;
}

/** Someone's reaction was added (`on`) or taken back. */
export interface ReactionEvent {
  bookingId: string;
  messageId: string;
  userId: string;
  key: string;
  on: boolean;
}

export interface ChatMember {
  id: string;
  role: Role;
  name: string;
}

export interface Chat {
  bookingId: string;
  title: string | null;
  status: string | null;
  startsAt: string | null;
  /** The other party of the booking, as the requesting user sees it. */
  counterpart: ChatMember;
  members: ChatMember[];
  lastMessage: Message | null;
  unreadCount: number;
  /** ISO time of the newest message, or of the chat's creation. */
  lastActivityAt: string;
  /** ISO time the chat became read-only (the booking was completed or cancelled); absent while it is open. */
  closedAt?: string;
}

export type Ok<T> = { ok: true } & T;
export interface Failure {
  ok: false;
  error: import('./errors.ts').ErrorBody;
}
export type Ack<T> = Ok<T> | Failure;
