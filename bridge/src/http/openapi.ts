// The REST API as an OpenAPI 3.1 document, served at /api/v1/openapi.json. Request bodies and
// parameters are generated from the protocol's own zod schemas (what the routes validate with);
// answers from openapi-schemas.ts; error statuses from protocol/errors.ts. Refinements a JSON
// Schema cannot say (e.g. "no U+0000") are only in the descriptions of docs/protocol.md.
import { Router } from 'express';
import { z } from 'zod';
import { HTTP_STATUS, type ErrorCode } from '../protocol/errors.ts';
import { bookingIdSchema, bookingUpsertSchema, systemMessageSchema, userIdSchema } from '../protocol/schemas.ts';
import { idempotencyKeySchema } from './booking-routes.ts';
import { mediaParamsSchema } from './media-routes.ts';
import {
  bookingUpsertResultSchema,
  errorSchema,
  healthSchema,
  messageResultSchema,
  readinessSchema,
  uploadFormSchema,
} from './openapi-schemas.ts';
import { erasureSummarySchema, userExportSchema } from './privacy-schemas.ts';

type JsonSchema = Record<string, unknown>;

interface Operation {
  summary: string;
  description?: string;
  auth: 'service' | 'user' | 'media' | 'none';
  parameters?: JsonSchema[];
  body?: { type: 'application/json' | 'multipart/form-data'; schema: z.ZodType };
  /** Success statuses and their JSON answers (or a media type for binary answers). */
  ok: Record<number, { description: string; schema?: z.ZodType; media?: string }>;
  /** The protocol's error codes this route answers with; their statuses come from HTTP_STATUS. */
  errors: ErrorCode[];
}

const WHEN: Partial<Record<ErrorCode, string>> = {
  invalid: 'a parameter or the body does not match its schema (the message names the field)',
  unauthorized: 'no or a bad token',
  forbidden: 'not a member of the booking, or an invalid or expired media link',
  blocked: 'the other member blocked the sender',
  not_found: 'no such booking (or media in it)',
  filtered: 'the caption was refused by the text filter (reason: the category)',
  rate_limited: 'too many uploads: wait retryAfter seconds',
  too_large: 'the body or the image is over its limit',
  closed: 'the chat is closed (the booking was completed or cancelled): it is read-only',
  unavailable: 'the homeserver or the database cannot be reached, or image processing is full: retry after retryAfter seconds',
};

const toJson = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  return json;
};

const pathParameter = (name: string, schema: z.ZodType, description?: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: toJson(schema, 'input'),
});
const bookingIdParameter = pathParameter('bookingId', bookingIdSchema, "The booking system's id of the booking");
const userIdParameter = pathParameter('userId', userIdSchema, "The platform's id of the user (as in a booking's customer.id or artist.id)");
const mediaParameters = [
  bookingIdParameter,
  pathParameter('server', mediaParamsSchema.shape.server, "The media's homeserver (from the message's URL)"),
  pathParameter('mediaId', mediaParamsSchema.shape.mediaId),
  ...['user', 'exp', 'sig'].map((name) => ({
    name,
    in: 'query',
    required: false,
    schema: { type: 'string' },
    description: 'Part of a signed link (all three, or a user token instead)',
  })),
];

const download = (variant: string): Operation => ({
  summary: `Download an image's ${variant}`,
  description: 'With the signed link from a message, or a user token of a member of the booking. Streamed from the homeserver.',
  auth: 'media',
  parameters: mediaParameters,
  ok: { 200: { description: `The ${variant}`, media: 'image/*' } },
  errors: ['invalid', 'unauthorized', 'forbidden', 'not_found', 'unavailable'],
});

/** Every route of the public listener, by path and method. */
export const OPERATIONS: Record<string, Record<string, Operation>> = {
  '/api/v1/bookings/{bookingId}': {
    put: {
      summary: "Create or update a booking's chat",
      description: 'Idempotent: creates the room with both members, or brings it up to date (members get chat:updated).',
      auth: 'service',
      parameters: [bookingIdParameter],
      body: { type: 'application/json', schema: bookingUpsertSchema },
      ok: {
        200: { description: 'Updated (or unchanged)', schema: bookingUpsertResultSchema },
        201: { description: 'Created', schema: bookingUpsertResultSchema },
      },
      errors: ['invalid', 'unauthorized', 'too_large', 'unavailable'],
    },
  },
  '/api/v1/bookings/{bookingId}/system-messages': {
    post: {
      summary: 'Post a system message into the chat',
      description: 'Apps get it as kind "system". A retry with the same Idempotency-Key yields the same message.',
      auth: 'service',
      parameters: [
        bookingIdParameter,
        { name: 'Idempotency-Key', in: 'header', required: false, schema: toJson(idempotencyKeySchema, 'input') },
      ],
      body: { type: 'application/json', schema: systemMessageSchema },
      ok: { 201: { description: 'Posted', schema: messageResultSchema } },
      errors: ['invalid', 'unauthorized', 'not_found', 'too_large', 'unavailable'],
    },
  },
  '/api/v1/bookings/{bookingId}/images': {
    post: {
      summary: 'Send a photo into the chat (apps)',
      description: 'Checked, cleaned (EXIF and GPS removed, turned upright) and stored; every member gets the message.',
      auth: 'user',
      parameters: [bookingIdParameter],
      body: { type: 'multipart/form-data', schema: uploadFormSchema },
      ok: { 201: { description: 'Sent', schema: messageResultSchema } },
      errors: ['invalid', 'unauthorized', 'forbidden', 'blocked', 'filtered', 'rate_limited', 'too_large', 'closed', 'unavailable'],
    },
  },
  '/api/v1/users/{userId}/export': {
    get: {
      summary: 'Export everything held about a user (GDPR)',
      description:
        'One JSON document, streamed as it is read (any number of messages): profile, bookings, messages (images as mxc URIs), edits, reactions, blocks made, push devices (without tokens), muted chats, read markers, reports made. Audited. A user never seen answers the same document with empty sections.',
      auth: 'service',
      parameters: [userIdParameter],
      ok: { 200: { description: 'The export', schema: userExportSchema } },
      errors: ['invalid', 'unauthorized'],
    },
  },
  '/api/v1/users/{userId}': {
    delete: {
      summary: 'Erase a user (GDPR)',
      description:
        'Their messages leave the read model at once (members see them deleted, live and in sync), their edits, reactions, devices, blocks, read markers and send records go, their name is replaced; their Matrix events are redacted in the background, their media deleted and their Matrix account deactivated. Idempotent: a repeat answers what was left. Audited. A booking naming an erased user is refused afterwards (invalid).',
      auth: 'service',
      parameters: [userIdParameter],
      ok: { 200: { description: 'What was removed, and what is queued', schema: erasureSummarySchema } },
      errors: ['invalid', 'unauthorized'],
    },
  },
  '/api/v1/media/{bookingId}/{server}/{mediaId}': { get: download('image') },
  '/api/v1/media/{bookingId}/{server}/{mediaId}/thumbnail': { get: download('thumbnail') },
  '/api/v1/openapi.json': {
    get: { summary: 'This document', auth: 'none', ok: { 200: { description: 'OpenAPI 3.1', media: 'application/json' } }, errors: [] },
  },
  '/healthz': {
    get: { summary: 'Liveness', auth: 'none', ok: { 200: { description: 'The process serves', schema: healthSchema } }, errors: [] },
  },
  '/readyz': {
    get: {
      summary: 'Readiness',
      auth: 'none',
      ok: {
        200: { description: 'Ready, or degraded (an optional dependency failing)', schema: readinessSchema },
        503: { description: 'A required dependency failing', schema: readinessSchema },
      },
      errors: [],
    },
  },
};

const SECURITY = { service: [{ serviceToken: [] }], user: [{ userToken: [] }], media: [{}, { userToken: [] }], none: [] };

const retryAfterHeader = { 'Retry-After': { description: 'Seconds, as error.retryAfter', schema: { type: 'integer' } } };

function errorResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(HTTP_STATUS[code], [...(byStatus.get(HTTP_STATUS[code]) ?? []), code]);
  const responses: Record<string, unknown> = {};
  for (const [status, group] of byStatus) {
    const schema = {
      allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { error: { properties: { code: { enum: group } } } } }],
    };
    const retry = group.some((code) => code === 'rate_limited' || code === 'unavailable');
    responses[status] = {
      description: group.map((code) => `${code}: ${WHEN[code]}`).join('; '),
      ...(retry ? { headers: retryAfterHeader } : {}),
      content: { 'application/json': { schema } },
    };
  }
  return responses;
}

function operationObject(operation: Operation): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(operation.ok)) {
    const content = answer.schema ? { 'application/json': { schema: toJson(answer.schema, 'output') } } : { [answer.media!]: {} };
    responses[status] = { description: answer.description, content };
  }
  Object.assign(responses, errorResponses(operation.errors), {
    default: {
      description: 'internal: a bug (details only in the server log)',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    },
  });
  return {
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    security: SECURITY[operation.auth],
    ...(operation.parameters ? { parameters: operation.parameters } : {}),
    ...(operation.body
      ? { requestBody: { required: true, content: { [operation.body.type]: { schema: toJson(operation.body.schema, 'input') } } } }
      : {}),
    responses,
  };
}

export function openApiDocument(): Record<string, unknown> {
  const paths = Object.fromEntries(
    Object.entries(OPERATIONS).map(([path, methods]) => [
      path,
      Object.fromEntries(Object.entries(methods).map(([method, operation]) => [method, operationObject(operation)])),
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'booking-chat REST API',
      version: '1',
      description:
        "The booking system (service token) and the apps' photo routes (user JWT). Apps chat over Socket.io: see docs/protocol.md. Every error is { error: { code, message, retryAfter?, reason? } }.",
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Error: toJson(errorSchema, 'output') },
      securitySchemes: {
        serviceToken: { type: 'http', scheme: 'bearer', description: 'SERVICE_TOKEN: the booking system' },
        userToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "The app user's JWT, as for the Socket.io handshake",
        },
      },
    },
  };
}

export function openApiRoutes(): Router {
  const document = openApiDocument();
  const router = Router();
  router.get('/openapi.json', (_request, response) => {
    response.json(document);
  });
  return router;
}
