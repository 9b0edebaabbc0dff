import { describe, expect, it } from 'vitest';
import { classifyStderrLine, DiagnosticLimiter, LineSplitter, MAX_LINE_CHARS } from './stderr.js';

describe('classifyStderrLine', () => {
  it.each([
    // ffmpeg 5.1, seen against GStreamer's RTSP server and closed ports.
    ['[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized', 'auth_failed'],
    ['pipe:3: Server returned 401 Unauthorized (authorization failed)', 'auth_failed'],
    ['rtsp://***@cam/x: Server returned 403 Forbidden (access denied)', 'auth_failed'],
    ['[rtsp @ 0x55] method DESCRIBE failed: 404 Not Found', 'not_found'],
    ['[tcp @ 0x55] Connection to tcp://127.0.0.1:1?timeout=5000000 failed: Connection refused', 'unreachable'],
    ['[tcp @ 0x55] Connection to tcp://10.0.0.9:554?timeout=5000000 failed: Connection timed out', 'unreachable'],
    ['[tcp @ 0x55] Connection to tcp://10.0.0.9:554 failed: No route to host', 'unreachable'],
    ['[tcp @ 0x55] Failed to resolve hostname cam.invalid: Name or service not known', 'unreachable'],
    ['[mp4 @ 0x55] Could not find tag for codec pcm_alaw in stream #1, codec not currently supported in container', 'unsupported_codec'],
    ['[tcp @ 0x55] Connection to tcp://10.0.0.9:401?timeout=0 failed: Connection refused', 'unreachable'],
    ['[mp4 @ 0x55] Non-monotonous DTS in output stream 0:0; previous: 0, current: 0; changing to 1.', undefined],
  ])('%s → %s', (line, reason) => {
    expect(classifyStderrLine(line)).toBe(reason);
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks and accepts \\n, \\r\\n and \\r', () => {
    const s = new LineSplitter();
    expect(s.push('first li')).toEqual([]);
    expect(s.push('ne\r\nsecond\rthird\n\nfou')).toEqual(['first line', 'second', 'third']);
    expect(s.end()).toEqual(['fou']);
  });

  it('cuts an endless line and drops its rest, keeping memory bounded', () => {
    const s = new LineSplitter();
    const out = [...s.push('x'.repeat(MAX_LINE_CHARS + 10)), ...s.push('y'.repeat(10 * MAX_LINE_CHARS)), ...s.push('tail\nnext\n')];
    expect(out).toEqual([`${'x'.repeat(MAX_LINE_CHARS)}…`, 'next']);
  });
});

describe('DiagnosticLimiter', () => {
  it('passes 5 lines per 10 s and summarises the rest when the next window opens', () => {
    const limiter = new DiagnosticLimiter({ maxLines: 5, windowMs: 10_000 });
    const out: string[] = [];
    for (let i = 0; i < 30; i++) out.push(...limiter.offer(`line ${i}`, 1000 + i * 100));
    expect(out).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(limiter.offer('later', 11_000)).toEqual(['suppressed 25 ffmpeg lines (limit 5 per 10 s)', 'later']);
    expect(limiter.flush()).toEqual([]);
  });

  it('flushes a pending summary on demand', () => {
    const limiter = new DiagnosticLimiter({ maxLines: 1, windowMs: 1000 });
    limiter.offer('a', 0);
    limiter.offer('b', 1);
    expect(limiter.flush()).toEqual(['suppressed 1 ffmpeg line (limit 1 per 1 s)']);
  });
});
