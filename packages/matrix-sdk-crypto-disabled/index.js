'use strict';
// booking-chat runs without end-to-end encryption (TLS on every hop instead; the design notes,
// ../shared/DESIGN.md, are kept outside this repository).
// matrix-bot-sdk requires this module at load time but only touches it when crypto is enabled,
// so every export is a proxy that throws as soon as anything is actually used.
const message =
  'End-to-end encryption is disabled in booking-chat: @matrix-org/matrix-sdk-crypto-nodejs is replaced by a stub.';

function unavailable() {
  throw new Error(message);
}

module.exports = new Proxy(
  {},
  {
    get(_target, property) {
      if (property === '__esModule' || typeof property === 'symbol') return undefined;
      return new Proxy(unavailable, { construct: unavailable, apply: unavailable, get: unavailable });
    },
  },
);
