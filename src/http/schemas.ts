// TypeBox schemas shared by routes: ids, time ranges, error bodies. Route-specific schemas live beside their route.
import { Type } from '@sinclair/typebox';

export const ErrorBody = Type.Object({
  error: Type.String(),
  message: Type.String(),
  article: Type.Optional(Type.String()),
  field: Type.Optional(Type.String()),
});

export const CameraIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const TimeRangeQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40, description: 'ms since the epoch (UTC) or ISO-8601' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'ms since the epoch (UTC) or ISO-8601' })),
  stream: Type.Optional(Type.Union([Type.Literal('main'), Type.Literal('sub')])),
});

export const errorResponses = { 400: ErrorBody, 404: ErrorBody, 422: ErrorBody, 500: ErrorBody };

/** Why video is being viewed (R16.3): a category from the configured list and free text; both required by the gate. */
export const ReasonQuery = Type.Object({
  reason: Type.Optional(Type.String({ maxLength: 40, description: 'reason category (R16.3), e.g. incident_investigation' })),
  reasonText: Type.Optional(Type.String({ maxLength: 500, description: 'reason in words (R16.3)' })),
});
