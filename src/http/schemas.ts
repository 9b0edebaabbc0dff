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
