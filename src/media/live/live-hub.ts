// The live hub (architecture §3 "Live"): per stream, the current init segment and the fragments since the last
// keyframe (the cached GOP), fanned out to viewers. Pure Node: no HTTP, no sockets, no clock, no logging of its own
// (the caller passes `onViewerDropped`). The WebSocket route adapts a socket to `LiveSink`; the ingest calls
// `publish` / `endStream`. It must not touch storage or the access gate: the route opens the Grant before subscribing.
//
// Invariants:
//   1. A viewer's first fragment after an init is a keyframe fragment (a decoder can always start there).
//   2. Per stream memory is bounded: the cached GOP never exceeds `gopCacheCapBytes`; a slow viewer is never queued
//      more than about `highWaterBytes` plus one fragment (it skips to the next keyframe instead).
//   3. One viewer's failure (a throwing sink) never affects another viewer or the publisher.

import { fragmentParts, fragmentSize, isDetached } from '../fmp4/chunked.js';
import type { Fmp4Item, Fragment, InitSegment } from '../fmp4/types.js';
import { closeCodes, endedMessage, initMessage, waitingMessage, type LiveSink } from './protocol.js';

/**
 * Where a stream's fragment bytes are, when the native pipe reader records them itself and keeps them
 * (native/vigil_native.c): the hub then gets detached fragments (values, no bytes) while nobody watches, turns bytes
 * on when a first viewer subscribes (getting the GOP the reader kept, so the viewer starts at once) and off after
 * the last one leaves.
 */
export interface LiveByteSource {
  /** on: bytes from now on, and the kept GOP (fragments up to chunk `seq`), or null if there is no reader now. */
  wantBytes(on: boolean): { seq: number; fragments: Fragment[]; truncated: boolean } | null;
}

export interface LiveHubOptions {
  /** Above this many queued bytes a viewer stops receiving and skips (default 4 MiB). */
  highWaterBytes?: number;
  /** A skipping viewer resumes at a keyframe only once its queue is below this (default 1 MiB). */
  lowWaterBytes?: number;
  /** Byte cap of one stream's cached GOP (default 16 MiB). */
  gopCacheCapBytes?: number;
  /** Told when a viewer is dropped because its sink threw (for the caller's log). */
  onViewerDropped?: (streamId: string, error: unknown) => void;
}

/**
 * - `waiting`: no init segment yet (or the stream ended); nothing to send.
 * - `keyframe`: has the init, waits for a keyframe fragment to start decoding from.
 * - `live`: receives every fragment.
 * - `skipping`: was too slow; receives nothing until a keyframe arrives while its queue is below the low-water mark.
 */
export type LiveViewerState = 'waiting' | 'keyframe' | 'live' | 'skipping';

export interface LiveViewerStats {
  viewerId: number;
  state: LiveViewerState;
  sentFragments: number;
  /** Fragments withheld because the viewer was slow (not those before its first keyframe). */
  skippedFragments: number;
}

export interface LiveStreamStats {
  streamId: string;
  subscribers: number;
  viewers: LiveViewerStats[];
  codec: string | null;
  cachedFragments: number;
  cachedBytes: number;
  /** The current GOP outgrew the cap: the cache holds its first part only. */
  gopTruncated: boolean;
  fragmentsPublished: number;
  /** Fragment deliveries to viewers (one fragment to three viewers counts three). */
  fragmentsFannedOut: number;
  fragmentsSkipped: number;
  gopOverflowFragments: number;
  gopOverflowBytes: number;
}

export interface LiveHubStats {
  streams: LiveStreamStats[];
  subscribers: number;
  cachedBytes: number;
  /** Totals since the hub started, including streams that are gone. */
  fragmentsFannedOut: number;
  fragmentsSkipped: number;
  gopOverflowFragments: number;
  viewersDropped: number;
}

interface Viewer {
  id: number;
  sink: LiveSink;
  state: LiveViewerState;
  sentFragments: number;
  skippedFragments: number;
}

interface StreamState {
  init: InitSegment | null;
  /** `none`: no keyframe since the init; `open`: caching; `truncated`: over the cap, caching stopped. */
  gopStatus: 'none' | 'open' | 'truncated';
  gop: Fragment[];
  gopBytes: number;
  viewers: Map<number, Viewer>;
  fragmentsPublished: number;
  fragmentsFannedOut: number;
  fragmentsSkipped: number;
  gopOverflowFragments: number;
  gopOverflowBytes: number;
  /** Fragments of the reader's chunks up to this seq came in the byte source's snapshot: later copies are skipped. */
  coveredSeq: number;
}

const MiB = 1024 * 1024;

export class LiveHub {
  readonly #highWaterBytes: number;
  readonly #lowWaterBytes: number;
  readonly #gopCacheCapBytes: number;
  readonly #onViewerDropped: ((streamId: string, error: unknown) => void) | undefined;
  readonly #streams = new Map<string, StreamState>();
  readonly #sources = new Map<string, LiveByteSource>();
  #nextViewerId = 1;
  #totals = { fragmentsFannedOut: 0, fragmentsSkipped: 0, gopOverflowFragments: 0, viewersDropped: 0 };

  constructor(options: LiveHubOptions = {}) {
    this.#highWaterBytes = options.highWaterBytes ?? 4 * MiB;
    this.#lowWaterBytes = options.lowWaterBytes ?? MiB;
    this.#gopCacheCapBytes = options.gopCacheCapBytes ?? 16 * MiB;
    this.#onViewerDropped = options.onViewerDropped;
    if (!(this.#lowWaterBytes >= 0 && this.#lowWaterBytes <= this.#highWaterBytes)) {
      throw new RangeError('LiveHub: need 0 <= lowWaterBytes <= highWaterBytes');
    }
    if (!(this.#gopCacheCapBytes >= 0)) throw new RangeError('LiveHub: gopCacheCapBytes must be >= 0');
  }

  /**
   * Feeds one parser item of a stream: a (new) init segment or a fragment. `seq`: the native reader's chunk number
   * of a fragment (see LiveByteSource); a detached fragment (bytes kept native) is counted, and ends the cached GOP.
   */
  publish(streamId: string, item: Fmp4Item, seq?: number): void {
    const stream = this.#stream(streamId);
    if (item.kind === 'init') this.#publishInit(streamId, stream, item.init);
    else if (seq !== undefined && seq <= stream.coveredSeq) return; // already sent from the snapshot
    else if (isDetached(item.fragment)) this.#publishDetached(stream);
    else this.#publishFragment(streamId, stream, item.fragment);
  }

  /** Registers (or, null, removes) where a stream's bytes are when fragments come detached. */
  setByteSource(streamId: string, source: LiveByteSource | null): void {
    if (source) this.#sources.set(streamId, source);
    else this.#sources.delete(streamId);
  }

  /** The camera stream is gone (ingest stopped or lost it): viewers are told and stay subscribed for its return. */
  endStream(streamId: string, reason: string): void {
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    stream.init = null;
    this.#resetGop(stream);
    for (const viewer of [...stream.viewers.values()]) {
      viewer.state = 'waiting';
      this.#guard(streamId, stream, viewer, () => viewer.sink.sendText(endedMessage(reason)));
    }
    this.#forgetIfIdle(streamId, stream);
  }

  /** Adds a viewer; it is sent the init and cached GOP now. Returns the (idempotent) unsubscribe. */
  subscribe(streamId: string, sink: LiveSink): () => void {
    const stream = this.#stream(streamId);
    const viewer: Viewer = { id: this.#nextViewerId++, sink, state: 'waiting', sentFragments: 0, skippedFragments: 0 };
    stream.viewers.set(viewer.id, viewer);
    if (stream.viewers.size === 1) this.#bytesWanted(streamId, stream, true);
    const init = stream.init;
    if (!init) {
      this.#guard(streamId, stream, viewer, () => sink.sendText(waitingMessage()));
    } else if (this.#sendInit(streamId, stream, viewer, init)) {
      for (const fragment of stream.gop) {
        if (!this.#deliver(streamId, stream, viewer, fragment)) break;
      }
      // A truncated cache ends before the live edge: what follows it live would not decode, so start afresh.
      if (stream.gopStatus === 'truncated' && viewer.state === 'live') viewer.state = 'keyframe';
    }
    return () => {
      if (stream.viewers.delete(viewer.id)) this.#afterViewerLeft(streamId, stream);
    };
  }

  /** Closes every viewer (server shutdown) and forgets all streams. */
  close(reason = 'server shutting down'): void {
    for (const stream of this.#streams.values()) {
      for (const viewer of stream.viewers.values()) {
        try {
          viewer.sink.close(closeCodes.goingAway, reason);
        } catch {
          // Shutting down anyway: a sink that cannot close has nothing left to lose.
        }
      }
    }
    this.#streams.clear();
  }

  stats(): LiveHubStats {
    const streams = [...this.#streams.entries()].map(([streamId, s]): LiveStreamStats => ({
      streamId,
      subscribers: s.viewers.size,
      viewers: [...s.viewers.values()].map((v) => ({
        viewerId: v.id,
        state: v.state,
        sentFragments: v.sentFragments,
        skippedFragments: v.skippedFragments,
      })),
      codec: s.init?.codec ?? null,
      cachedFragments: s.gop.length,
      cachedBytes: s.gopBytes,
      gopTruncated: s.gopStatus === 'truncated',
      fragmentsPublished: s.fragmentsPublished,
      fragmentsFannedOut: s.fragmentsFannedOut,
      fragmentsSkipped: s.fragmentsSkipped,
      gopOverflowFragments: s.gopOverflowFragments,
      gopOverflowBytes: s.gopOverflowBytes,
    }));
    return {
      streams,
      subscribers: streams.reduce((n, s) => n + s.subscribers, 0),
      cachedBytes: streams.reduce((n, s) => n + s.cachedBytes, 0),
      ...this.#totals,
    };
  }

  /** First viewer in / last viewer out: bytes on (with the kept GOP as the cache) or off at the byte source. */
  #bytesWanted(streamId: string, stream: StreamState, on: boolean): void {
    const source = this.#sources.get(streamId);
    if (!source) return;
    let snapshot: ReturnType<LiveByteSource['wantBytes']>;
    try {
      snapshot = source.wantBytes(on);
    } catch (error) {
      this.#onViewerDropped?.(streamId, error); // reported as the caller's log sees hub trouble; viewers wait for a keyframe
      return;
    }
    if (!on || !snapshot) return;
    stream.coveredSeq = snapshot.seq;
    if (snapshot.fragments.length === 0 || !stream.init) return;
    stream.gop = snapshot.fragments;
    stream.gopBytes = snapshot.fragments.reduce((n, f) => n + f.data.length, 0);
    stream.gopStatus = snapshot.truncated ? 'truncated' : 'open';
  }

  #afterViewerLeft(streamId: string, stream: StreamState): void {
    if (stream.viewers.size === 0) this.#bytesWanted(streamId, stream, false);
    this.#forgetIfIdle(streamId, stream);
  }

  #publishDetached(stream: StreamState): void {
    if (!stream.init) return;
    stream.fragmentsPublished++;
    this.#resetGop(stream); // the cache no longer ends at the live edge: a viewer would get bytes that do not follow on
  }

  #publishInit(streamId: string, stream: StreamState, init: InitSegment): void {
    stream.init = { ...init, data: ownBytes(init.data) };
    stream.coveredSeq = 0; // a new init comes from a new reader, which counts its chunks from 1
    this.#resetGop(stream);
    for (const viewer of [...stream.viewers.values()]) {
      // A slow viewer stays skipping (it resumes below the low-water mark); the small init goes to it regardless.
      this.#sendInit(streamId, stream, viewer, stream.init);
    }
  }

  #publishFragment(streamId: string, stream: StreamState, fragment: Fragment): void {
    // Without an init nobody can decode it and there is nothing to cache it against.
    if (!stream.init) return;
    stream.fragmentsPublished++;
    this.#cache(stream, fragment);
    for (const viewer of [...stream.viewers.values()]) this.#deliver(streamId, stream, viewer, fragment);
  }

  #cache(stream: StreamState, fragment: Fragment): void {
    const size = fragmentSize(fragment);
    if (fragment.keyframe) {
      stream.gop = [];
      stream.gopBytes = 0;
      stream.gopStatus = 'open';
    } else if (stream.gopStatus === 'none') {
      return; // no keyframe since the init: nothing a new viewer could start from
    }
    if (stream.gopStatus === 'open' && stream.gopBytes + size <= this.#gopCacheCapBytes) {
      stream.gop.push(cacheable(fragment));
      stream.gopBytes += size;
      return;
    }
    stream.gopStatus = 'truncated';
    stream.gopOverflowFragments++;
    stream.gopOverflowBytes += size;
    this.#totals.gopOverflowFragments++;
  }

  /** Sends the init pair and arms the viewer for a keyframe. False if the viewer was dropped. */
  #sendInit(streamId: string, stream: StreamState, viewer: Viewer, init: InitSegment): boolean {
    if (viewer.state !== 'skipping') viewer.state = 'keyframe';
    return this.#guard(streamId, stream, viewer, () => {
      viewer.sink.sendText(initMessage(init));
      viewer.sink.sendBinary(init.data);
    });
  }

  /** Applies the viewer's state machine to one fragment. False if the viewer was dropped. */
  #deliver(streamId: string, stream: StreamState, viewer: Viewer, fragment: Fragment): boolean {
    return this.#guard(streamId, stream, viewer, () => {
      switch (viewer.state) {
        case 'waiting':
          return;
        case 'keyframe':
          if (!fragment.keyframe) return;
          break;
        case 'skipping':
          if (!fragment.keyframe || viewer.sink.bufferedBytes() > this.#lowWaterBytes) {
            this.#skip(stream, viewer);
            return;
          }
          break;
        case 'live':
          break;
      }
      if (viewer.sink.bufferedBytes() > this.#highWaterBytes) {
        viewer.state = 'skipping';
        this.#skip(stream, viewer);
        return;
      }
      viewer.sink.sendBinary(fragment.data);
      viewer.state = 'live';
      viewer.sentFragments++;
      stream.fragmentsFannedOut++;
      this.#totals.fragmentsFannedOut++;
    });
  }

  #skip(stream: StreamState, viewer: Viewer): void {
    viewer.skippedFragments++;
    stream.fragmentsSkipped++;
    this.#totals.fragmentsSkipped++;
  }

  /** Runs a sink call; a throw drops that viewer (invariant 3). Returns whether the viewer is still subscribed. */
  #guard(streamId: string, stream: StreamState, viewer: Viewer, action: () => void): boolean {
    try {
      action();
      return true;
    } catch (error) {
      stream.viewers.delete(viewer.id);
      if (stream.viewers.size === 0) this.#bytesWanted(streamId, stream, false);
      this.#totals.viewersDropped++;
      try {
        viewer.sink.close(closeCodes.internalError, 'live sink failed');
      } catch {
        // Already broken: dropping it from the hub is all that matters.
      }
      this.#forgetIfIdle(streamId, stream);
      this.#onViewerDropped?.(streamId, error);
      return false;
    }
  }

  #stream(streamId: string): StreamState {
    let stream = this.#streams.get(streamId);
    if (!stream) {
      stream = {
        init: null,
        gopStatus: 'none',
        gop: [],
        gopBytes: 0,
        viewers: new Map(),
        fragmentsPublished: 0,
        fragmentsFannedOut: 0,
        fragmentsSkipped: 0,
        gopOverflowFragments: 0,
        gopOverflowBytes: 0,
        coveredSeq: 0,
      };
      this.#streams.set(streamId, stream);
    }
    return stream;
  }

  #resetGop(stream: StreamState): void {
    stream.gop = [];
    stream.gopBytes = 0;
    stream.gopStatus = 'none';
  }

  /** A stream with neither an init nor viewers holds nothing worth keeping (bounded map across camera churn). */
  #forgetIfIdle(streamId: string, stream: StreamState): void {
    if (!stream.init && stream.viewers.size === 0 && this.#streams.get(streamId) === stream) {
      this.#streams.delete(streamId);
    }
  }
}

/**
 * A fragment the parser handed out as chunk views (chunked.ts: it spanned pipe reads, the common case for video) is
 * cached as it is: its views keep only its own chunks alive, shared with its neighbours in the GOP, so the cache holds
 * at most `cachedBytes` plus a chunk at each end. It is joined only if a viewer needs `data`. A fragment that lay
 * inside one chunk is a view of that chunk (or of an 8 KiB pool slab): it would keep the whole chunk alive and make
 * `cachedBytes` understate memory, so it is copied into its own memory.
 */
function cacheable(fragment: Fragment): Fragment {
  if (fragmentParts(fragment).length > 1) return fragment;
  return { ...fragment, data: ownBytes(fragment.data) };
}


function ownBytes(data: Buffer): Buffer {
  if (data.byteOffset === 0 && data.buffer.byteLength === data.length) return data;
  const copy = Buffer.allocUnsafeSlow(data.length);
  data.copy(copy);
  return copy;
}
