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
}

export type Ok<T> = { ok: true } & T;
export interface Failure {
  ok: false;
  error: import('./errors.ts').ErrorBody;
}
export type Ack<T> = Ok<T> | Failure;
