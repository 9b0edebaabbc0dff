// The live-view wire protocol (architecture §3 "Live"): what the hub says to one viewer, and the sink it says it
// through. Owns only types and the text-message encoder; the fan-out rules live in live-hub.ts, the socket in the
// WebSocket route (which adapts a `ws` socket with `wsLiveSink`).
//
// Order on one connection:
//   text {"type":"waiting"}                       when the stream has no init segment yet
//   text {"type":"init",codec,width,height,codecFamily}, then binary init segment (ftyp+moov)
//   binary fragments (moof+mdat): first the cached GOP (starting at a keyframe), then live ones
//   text init + binary init again on a format change (the page rebuilds its decoder)
//   text {"type":"ended","reason":"…"}            when the camera stream ends (a later init means it is back)
//   text {"type":"error",error,message}, then close 4000 + HTTP status   when the server refuses the viewer (sent
//                                                 by the route, e.g. `transcode_limit` → 4503)
//
// With `transcode=h264` the viewer watches the shared H.264 transcode of the stream (transcoder.ts): the same
// protocol, with the transcode's init (avc1) and fragments.

import type { InitSegment } from '../fmp4/types.js';

/** One viewer's connection, as the hub needs it. Must not block; may throw (the hub then drops the viewer). */
export interface LiveSink {
  sendText(json: string): void;
  sendBinary(data: Buffer): void;
  /** Bytes queued for this viewer and not yet handed to the network (ws `bufferedAmount`). */
  bufferedBytes(): number;
  close(code: number, reason: string): void;
}

export type LiveInitMessage = {
  type: 'init';
  codec: string;
  width: number;
  height: number;
  codecFamily: InitSegment['codecFamily'];
};
export type LiveWaitingMessage = { type: 'waiting' };
export type LiveEndedMessage = { type: 'ended'; reason: string };
/** A refusal, sent by the route before it closes the socket with code 4000 + HTTP status. */
export type LiveErrorMessage = { type: 'error'; error: string; message: string; article?: string };
export type LiveMessage = LiveInitMessage | LiveWaitingMessage | LiveEndedMessage | LiveErrorMessage;

export function initMessage(init: InitSegment): string {
  const message: LiveInitMessage = {
    type: 'init',
    codec: init.codec,
    width: init.width,
    height: init.height,
    codecFamily: init.codecFamily,
  };
  return JSON.stringify(message);
}

export function waitingMessage(): string {
  const message: LiveWaitingMessage = { type: 'waiting' };
  return JSON.stringify(message);
}

export function endedMessage(reason: string): string {
  const message: LiveEndedMessage = { type: 'ended', reason };
  return JSON.stringify(message);
}

/** WebSocket close codes the hub uses (RFC 6455 §7.4.1). */
export const closeCodes = {
  /** Server shutting down. */
  goingAway: 1001,
  /** The sink failed (threw): the viewer is dropped, others continue. */
  internalError: 1011,
} as const;
