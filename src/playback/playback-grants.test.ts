// Playback grants (R16.3): one register entry per viewing, segment reads only under the playlist's grant — same
// account, same camera — and grants closed when idle, evicted when too many, and all closed at shutdown.
import { afterEach, describe, expect, it } from 'vitest';
import type { Grant } from '../access/index.js';
import { PlaybackGrants } from './playback-grants.js';

function grant(accessId: number, accountId = 'u1'): Grant & { closes: number } {
  let closed = false;
  const g = {
    accessId, subject: { accountId }, action: 'playback', cameraIds: ['cam'], fromMs: 0, toMs: 1, openedMs: 0, closes: 0,
    addBytes: () => undefined,
    close: async () => {
      g.closes += 1;
      closed = true;
    },
    get closed() {
      return closed;
    },
  };
  return g as unknown as Grant & { closes: number };
}

let grants: PlaybackGrants | null = null;
afterEach(async () => {
  await grants?.closeAll();
});

describe('PlaybackGrants', () => {
  it('serves the holder on the same camera only; another account, camera or a made-up token is grant_required', () => {
    grants = new PlaybackGrants({ now: () => 0, idleMs: 60_000, maxOpen: 10 });
    const g = grant(7);
    const token = grants.hold(g, 'cam');
    expect(token).toMatch(/^7\.[\w-]{22}$/);
    expect(grants.use(token, 'u1', 'cam')).toBe(g);
    for (const [t, account, camera] of [[token, 'u2', 'cam'], [token, 'u1', 'other'], ['7.forged', 'u1', 'cam'], [undefined, 'u1', 'cam']] as const) {
      expect(() => grants!.use(t, account, camera)).toThrow(expect.objectContaining({ code: 'grant_required', article: 'R16.3' }));
    }
  });

  it('closes a grant unused for idleMs, keeps one in use, and closes all at shutdown', async () => {
    let now = 0;
    grants = new PlaybackGrants({ now: () => now, idleMs: 1000, maxOpen: 10 });
    const idle = grant(1);
    const busy = grant(2);
    grants.hold(idle, 'cam');
    const busyToken = grants.hold(busy, 'cam');
    now = 900;
    grants.use(busyToken, 'u1', 'cam');
    now = 1500;
    await grants.closeIdle();
    expect([idle.closes, busy.closes]).toEqual([1, 0]);
    expect(() => grants!.use(busyToken, 'u1', 'cam')).not.toThrow();
    await grants.closeAll();
    expect(busy.closes).toBe(1);
    expect(grants.size).toBe(0);
  });

  it('evicts (and closes) the least recently used grant beyond maxOpen', async () => {
    grants = new PlaybackGrants({ now: () => 0, idleMs: 60_000, maxOpen: 2 });
    const [a, b, c] = [grant(1), grant(2), grant(3)];
    const ta = grants.hold(a, 'cam');
    grants.hold(b, 'cam');
    grants.use(ta, 'u1', 'cam'); // a is now the most recent
    grants.hold(c, 'cam');
    await new Promise((r) => setTimeout(r, 0));
    expect([a.closes, b.closes, c.closes]).toEqual([0, 1, 0]);
  });
});
