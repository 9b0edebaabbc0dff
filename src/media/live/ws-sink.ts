// Adapts a `ws` WebSocket (what @fastify/websocket hands a route) to the hub's LiveSink. Owns nothing else: the route
// still opens the Grant, subscribes, and unsubscribes on the socket's 'close'.

import type { WebSocket } from 'ws';
import type { LiveSink } from './protocol.js';

/** The numeric value of WebSocket.OPEN (ws exports it as a static; a type-only import cannot reach it). */
const OPEN = 1;

export function wsLiveSink(socket: WebSocket): LiveSink {
  const ensureOpen = (): void => {
    // ws silently discards sends on a closing socket; throwing instead lets the hub drop this viewer at once.
    if (socket.readyState !== OPEN) throw new Error(`live socket not open (readyState ${socket.readyState})`);
  };
  return {
    sendText(json) {
      ensureOpen();
      socket.send(json);
    },
    sendBinary(data) {
      ensureOpen();
      // Video is already compressed: permessage-deflate would only burn CPU.
      socket.send(data, { binary: true, compress: false });
    },
    bufferedBytes() {
      return socket.bufferedAmount;
    },
    close(code, reason) {
      socket.close(code, reason);
    },
  };
}
