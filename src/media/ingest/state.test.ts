import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INITIAL_SNAPSHOT, isPermanentReason, nextBackoffMs, retryDelayMs, transition,
  type IngestEvent, type IngestReason, type IngestSnapshot,
} from './state.js';

const policy = { stableMs: 30_000 };
const at = 100_000;

const idle = INITIAL_SNAPSHOT;
const connecting: IngestSnapshot = { state: 'connecting', failures: 0 };
const recording: IngestSnapshot = { state: 'recording', failures: 2, recordingSinceMs: at - 5_000 };
const stableRecording: IngestSnapshot = { state: 'recording', failures: 4, recordingSinceMs: at - 30_000 };
const reconnecting: IngestSnapshot = { state: 'reconnecting', reason: 'unreachable', failures: 3 };
const failed: IngestSnapshot = { state: 'failed', reason: 'auth_failed', failures: 7 };
const stopped: IngestSnapshot = { state: 'stopped', failures: 1 };

const failure = (reason: IngestReason): IngestEvent => ({ type: 'failure', reason, atMs: at });

const table: [string, IngestSnapshot, IngestEvent, IngestSnapshot][] = [
  ['idle starts connecting', idle, { type: 'start' }, connecting],
  ['start is idempotent', recording, { type: 'start' }, recording],
  ['an H.264 init is not recording yet', connecting, { type: 'init', codecFamily: 'h264', atMs: at }, connecting],
  ['first fragment: recording', connecting, { type: 'fragment', atMs: at }, { state: 'recording', failures: 0, recordingSinceMs: at }],
  ['more fragments change nothing', recording, { type: 'fragment', atMs: at }, recording],
  ['a fragment after reconnecting: recording, failures kept until stable', reconnecting, { type: 'fragment', atMs: at }, { state: 'recording', failures: 3, recordingSinceMs: at }],
  ['a fragment after failed: recording (a fixed camera comes back)', failed, { type: 'fragment', atMs: at }, { state: 'recording', failures: 7, recordingSinceMs: at }],
  ['a stray fragment while idle is ignored', idle, { type: 'fragment', atMs: at }, idle],
  ['unreachable on first attempt: reconnecting', connecting, failure('unreachable'), { state: 'reconnecting', reason: 'unreachable', failures: 1 }],
  ['auth failure: failed', connecting, failure('auth_failed'), { state: 'failed', reason: 'auth_failed', failures: 1 }],
  ['404: failed', connecting, failure('not_found'), { state: 'failed', reason: 'not_found', failures: 1 }],
  ['ffmpeg missing: failed', connecting, failure('spawn_failed'), { state: 'failed', reason: 'spawn_failed', failures: 1 }],
  ['MJPEG init: failed, unsupported codec', connecting, { type: 'init', codecFamily: 'other', atMs: at }, { state: 'failed', reason: 'unsupported_codec', failures: 1 }],
  ['short recording ends: backoff continues', recording, failure('stream_ended'), { state: 'reconnecting', reason: 'stream_ended', failures: 3, lostAtMs: at }],
  ['stable recording stalls: backoff restarts', stableRecording, failure('stalled'), { state: 'reconnecting', reason: 'stalled', failures: 1, lostAtMs: at }],
  ['parse error while recording', recording, failure('parse_error'), { state: 'reconnecting', reason: 'parse_error', failures: 3, lostAtMs: at }],
  ['failed retry that cannot connect: reconnecting with the new reason', failed, failure('unreachable'), { state: 'reconnecting', reason: 'unreachable', failures: 8 }],
  ['reconnecting retry refused by auth: failed', reconnecting, failure('auth_failed'), { state: 'failed', reason: 'auth_failed', failures: 4 }],
  ['a failure while idle is ignored', idle, failure('unreachable'), idle],
  ['stop from recording', recording, { type: 'stop' }, { state: 'stopped', failures: 2 }],
  ['stop from failed drops the reason', failed, { type: 'stop' }, { state: 'stopped', failures: 7 }],
  ['stopped is terminal: no start', stopped, { type: 'start' }, stopped],
  ['stopped is terminal: no recording', stopped, { type: 'fragment', atMs: at }, stopped],
  ['stopped is terminal: no failure', stopped, failure('unreachable'), stopped],
];

describe('transition', () => {
  it.each(table)('%s', (_name, from, event, to) => {
    expect(transition(from, event, policy)).toEqual(to);
  });

  it('classifies exactly the reasons retrying will not fix soon as permanent', () => {
    const all: IngestReason[] = ['unreachable', 'auth_failed', 'not_found', 'unsupported_codec', 'stream_ended', 'stalled', 'parse_error', 'spawn_failed', 'input_error'];
    expect(all.filter(isPermanentReason)).toEqual(['auth_failed', 'not_found', 'unsupported_codec', 'spawn_failed']);
  });
});

describe('nextBackoffMs', () => {
  const lo = () => 0;
  const hi = () => 1;
  it.each([
    // attempt, lowest, highest: the ceiling doubles from 2 s to the 30 s cap, the delay is in [ceiling/2, ceiling].
    [1, 1000, 2000],
    [2, 2000, 4000],
    [3, 4000, 8000],
    [4, 8000, 16_000],
    [5, 15_000, 30_000],
    [12, 15_000, 30_000],
    [Infinity, 15_000, 30_000],
    [0, 1000, 2000], // treated as the first attempt
  ])('attempt %d: %d..%d ms', (attempt, low, high) => {
    expect(nextBackoffMs(attempt, lo)).toBe(low);
    expect(nextBackoffMs(attempt, hi)).toBe(high);
  });

  it('stays within [min, max] for any attempt and random draw (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 100_000 }), (attempt, r, minMs, span) => {
        const policy = { minMs, maxMs: minMs + span };
        const delay = nextBackoffMs(attempt, () => r, policy);
        expect(delay).toBeGreaterThanOrEqual(minMs);
        expect(delay).toBeLessThanOrEqual(policy.maxMs);
      }),
    );
  });

  it('honours a small test policy (1 s → 2 s)', () => {
    expect(nextBackoffMs(1, lo, { minMs: 1000, maxMs: 2000 })).toBe(1000);
    expect(nextBackoffMs(9, hi, { minMs: 1000, maxMs: 2000 })).toBe(2000);
  });

  it('waits at the maximum in failed, by the failure count otherwise', () => {
    expect(retryDelayMs({ state: 'failed', reason: 'auth_failed', failures: 1 }, () => 0.5)).toBe(22_500);
    expect(retryDelayMs({ state: 'reconnecting', reason: 'unreachable', failures: 1 }, () => 0.5)).toBe(1500);
  });
});

describe('fast retry after a recording stream is lost', () => {
  const policy = { stableMs: 30_000, fastRetryWindowMs: 120_000 };
  const recording = transition(transition(INITIAL_SNAPSHOT, { type: 'start' }, policy), { type: 'fragment', atMs: 1000 }, policy);
  const fast = { windowMs: 120_000, retryMs: 2000 };

  it('treats every reason as temporary inside the window, so a rebooting camera answering 404 is retried fast', () => {
    const lost = transition(recording, { type: 'failure', reason: 'stream_ended', atMs: 10_000 }, policy);
    expect(lost).toMatchObject({ state: 'reconnecting', lostAtMs: 10_000 });
    const notFound = transition(lost, { type: 'failure', reason: 'not_found', atMs: 12_000 }, policy);
    expect(notFound).toMatchObject({ state: 'reconnecting', reason: 'not_found', lostAtMs: 10_000 });
    expect(retryDelayMs(notFound, () => 1, undefined, { ...fast, nowMs: 12_000 })).toBe(2000);
    expect(retryDelayMs(notFound, () => 0, undefined, { ...fast, nowMs: 12_000 })).toBe(1000);
  });

  it('falls back to the backoff (and `failed` for permanent reasons) once the window has passed', () => {
    const lost = transition(recording, { type: 'failure', reason: 'stream_ended', atMs: 10_000 }, policy);
    const late = transition(lost, { type: 'failure', reason: 'not_found', atMs: 10_000 + 130_000 }, policy);
    expect(late.state).toBe('failed');
    expect(retryDelayMs(late, () => 0.5, undefined, { ...fast, nowMs: 140_000 })).toBe(22_500);
  });

  it('forgets the loss once the stream records again, and never applies to a stream that never recorded', () => {
    const lost = transition(recording, { type: 'failure', reason: 'stream_ended', atMs: 10_000 }, policy);
    const back = transition(lost, { type: 'fragment', atMs: 15_000 }, policy);
    expect(back.lostAtMs).toBeUndefined();
    const never = transition(transition(INITIAL_SNAPSHOT, { type: 'start' }, policy), { type: 'failure', reason: 'unreachable', atMs: 1 }, policy);
    expect(never.lostAtMs).toBeUndefined();
    expect(retryDelayMs(never, () => 0.5, undefined, { ...fast, nowMs: 2 })).toBe(1500);
  });
});
