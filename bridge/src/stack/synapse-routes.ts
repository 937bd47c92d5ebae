// Which Synapse process a client-server request goes to, from the endpoint lists of Synapse's
// docs/workers.md (synapse.app.generic_worker), narrowed to what the bridge and Element use.
// Anything not listed goes to the main process, which can serve every endpoint: routing is for
// load, except pagination, which Synapse wants on one process per room.
const CLIENT = '^/_matrix/client/(?:api/v1|r0|v3|unstable)';

/** Requests about one room: sent to the persister that writes the room's events. */
const ROOM_SCOPED = [
  new RegExp(
    `${CLIENT}/rooms/([^/]+)/(?:send|state|redact|join|invite|leave|ban|unban|kick|messages|context|event|joined_members|members)(?:/|$)`,
  ),
  new RegExp(`${CLIENT}/join/(![^/]+)$`),
];

/** Worker endpoints that belong to no room: spread over the workers in turn. */
const ANY_WORKER = [
  new RegExp(`${CLIENT}/createRoom$`),
  new RegExp(`${CLIENT}/profile/`),
  new RegExp('^/_matrix/client/(?:r0|v3|unstable)/register$'),
  new RegExp(`${CLIENT}/login$`),
  new RegExp(`${CLIENT}/joined_rooms$`),
  new RegExp('^/_matrix/client/(?:r0|v3|unstable)/account/whoami$'),
];

export type SynapseRoute = { to: 'room'; roomId: string } | { to: 'any-worker' } | { to: 'main' };

export function routeFor(path: string): SynapseRoute {
  const pathOnly = path.split('?', 1)[0]!;
  for (const pattern of ROOM_SCOPED) {
    const match = pattern.exec(pathOnly);
    if (match) {
      try {
        return { to: 'room', roomId: decodeURIComponent(match[1]!) };
      } catch {
        return { to: 'main' };
      }
    }
  }
  return ANY_WORKER.some((pattern) => pattern.test(pathOnly)) ? { to: 'any-worker' } : { to: 'main' };
}
