// The folder rules of bridge/src (docs/architecture.md, "Folders and their rules"), checked by `npm run lint`.
// Layers, top to bottom: app.ts/main.ts wire everything; the edges (facade/, http/, matrix/) parse, check and
// translate; the features (bookings/, messages/, media/, safety/, push/, outages/, privacy/) hold the rules; store/ holds
// the SQL; observability/ and shared/ (helpers two layers share) sit below them, and config/ and protocol/ at the
// very bottom.
const EDGES = '^bridge/src/(facade|http|matrix)/';
const FEATURES = '^bridge/src/(bookings|messages|media|safety|push|outages|privacy)/';
// matrix/ is two things: the inbound edge (transactions.ts: what Synapse pushes, homeserver-health.ts) and the
// client every part writes to Synapse through (intents, room administration, ids, its errors, the event schema,
// the admin API).
const MATRIX_CLIENT = '^bridge/src/matrix/(homeserver|room-admin|ids|errors|room-event-schema|synapse-admin)\\.ts$';

export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: give the shared rule or type its own module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'features-not-to-edges',
      severity: 'error',
      comment: 'Feature folders hold rules; the edges call them, never the other way round.',
      from: { path: FEATURES },
      to: { path: EDGES, pathNot: MATRIX_CLIENT },
    },
    {
      name: 'edges-not-to-other-edges',
      severity: 'error',
      comment: 'Each edge speaks one protocol; what two edges share belongs in shared/ (or a feature).',
      from: { path: '^bridge/src/(facade|http|matrix)/' },
      to: { path: EDGES, pathNot: ['^bridge/src/$1/', MATRIX_CLIENT] },
    },
    {
      name: 'store-not-up',
      severity: 'error',
      comment: 'store/ is SQL and row types only: it imports no edge and no feature.',
      from: { path: '^bridge/src/store/' },
      to: { path: [EDGES, FEATURES, '^bridge/src/(app|main)\\.ts$'] },
    },
    {
      name: 'config-is-a-leaf',
      severity: 'error',
      comment: 'config/ turns the environment into a typed Config; it imports only config/.',
      from: { path: '^bridge/src/config/' },
      to: { path: '^bridge/src/', pathNot: '^bridge/src/config/' },
    },
    {
      name: 'protocol-is-the-wire-contract',
      severity: 'error',
      comment: 'protocol/ is shared with clients (packages/client): it imports nothing from the bridge.',
      from: { path: '^bridge/src/protocol/' },
      to: { path: '^bridge/src/', pathNot: '^bridge/src/protocol/' },
    },
    {
      name: 'bottom-layers-not-up',
      severity: 'error',
      comment: 'observability/ and shared/ are used by everyone and use no edge, feature or store.',
      from: { path: '^bridge/src/(observability|shared)/' },
      to: { path: [EDGES, FEATURES, '^bridge/src/store/', '^bridge/src/(app|main)\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
