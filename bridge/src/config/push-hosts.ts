// WEBPUSH_ALLOWED_HOSTS: the default allow-list of Web Push services and the form of a host pattern.
// push/push-endpoints.ts matches subscription endpoints against the configured list.

/** The push services of the major browsers: Chrome (FCM), Firefox, Safari, Edge. */
export const DEFAULT_WEBPUSH_ALLOWED_HOSTS = [
  'fcm.googleapis.com',
  '*.push.services.mozilla.com',
  '*.push.apple.com',
  '*.notify.windows.com',
];

/** A host pattern: `*.` then a domain (any subdomain of it), or an exact host, optionally `:port`. */
export const HOST_PATTERN = /^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;
