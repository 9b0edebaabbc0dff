// HLS playback grants: a playlist request passes the gate once (one access-register row, R16.3), and the many
// segment requests the player then makes are served under that grant — named by an unguessable token in the segment
// URLs and bound to the same account, camera and time range. A grant unused for `idleMs` (player closed or paused
// long) is closed, appending its bytes and end time to the register; the player then asks for a new playlist.
import { randomBytes } from 'node:crypto';
import type { Grant } from '../access/index.js';
import { PlaybackError } from './errors.js';

interface Held {
  grant: Grant;
  cameraId: string;
  lastUsedMs: number;
}

export interface PlaybackGrantsOptions {
  now: () => number;
  /** Close a grant after this long without a segment read. */
  idleMs: number;
  /** At most this many open playback grants; the least recently used is closed first. */
  maxOpen: number;
}

export class PlaybackGrants {
  readonly #held = new Map<string, Held>();
  readonly #sweep: NodeJS.Timeout;

  constructor(private readonly options: PlaybackGrantsOptions) {
    this.#sweep = setInterval(() => void this.closeIdle(), Math.min(30_000, options.idleMs));
    this.#sweep.unref();
  }

  /** Holds a playback grant for a camera and returns the token segment URLs carry. */
  hold(grant: Grant, cameraId: string): string {
    const token = `${grant.accessId}.${randomBytes(16).toString('base64url')}`;
    this.#held.set(token, { grant, cameraId, lastUsedMs: this.options.now() });
    while (this.#held.size > this.options.maxOpen) {
      const [oldest] = this.#held.keys();
      void this.#release(oldest!);
    }
    return token;
  }

  /** The grant behind a token, if it is open, for this account and camera; otherwise `grant_required`. */
  use(token: string | undefined, accountId: string, cameraId: string): Grant {
    const held = token ? this.#held.get(token) : undefined;
    if (!held || held.grant.closed || held.grant.subject.accountId !== accountId || held.cameraId !== cameraId) {
      throw new PlaybackError(
        'grant_required',
        'this segment is served only under the playback grant of its playlist; load the playlist again (with a reason) to continue (R16.3)',
      );
    }
    held.lastUsedMs = this.options.now();
    // Map order is the eviction order: move the used grant to the back.
    this.#held.delete(token!);
    this.#held.set(token!, held);
    return held.grant;
  }

  async closeIdle(): Promise<void> {
    const cutoff = this.options.now() - this.options.idleMs;
    const idle = [...this.#held].filter(([, h]) => h.lastUsedMs <= cutoff).map(([token]) => token);
    await Promise.all(idle.map((token) => this.#release(token)));
  }

  /** Closes every grant (server shutdown): each gets its close entry in the register. */
  async closeAll(): Promise<void> {
    clearInterval(this.#sweep);
    await Promise.all([...this.#held.keys()].map((token) => this.#release(token)));
  }

  get size(): number {
    return this.#held.size;
  }

  async #release(token: string): Promise<void> {
    const held = this.#held.get(token);
    this.#held.delete(token);
    // A register that cannot be written is logged by its owner; closing must not throw into a timer.
    await held?.grant.close().catch(() => undefined);
  }
}
