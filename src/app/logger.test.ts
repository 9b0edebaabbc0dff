import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('logger', () => {
  it('writes JSON lines and redacts secrets by path', () => {
    const lines: string[] = [];
    const out = new Writable({ write(chunk, _enc, cb) { lines.push(chunk.toString()); cb(); } });
    const log = createLogger('info', out);
    log.info({ url: 'rtsp://admin:pw1@cam', camera: { url: 'rtsp://u:pw2@cam', password: 'pw3' }, token: 'tk', keep: 'visible' }, 'x');
    const text = lines.join('');
    for (const secret of ['pw1', 'pw2', 'pw3', 'tk']) expect(text).not.toContain(secret);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ msg: 'x', keep: 'visible', url: '[redacted]', level: 30 });
  });
});
