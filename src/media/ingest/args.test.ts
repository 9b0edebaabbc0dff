import { describe, expect, it } from 'vitest';
import { buildIngestArgs, buildInputScript, IngestArgsError, type IngestArgsOptions } from './args.js';

const TAIL = ['-map', '0:v:0', '-c', 'copy', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof+skip_trailer'];
const HEAD = ['-hide_banner', '-nostdin', '-loglevel', 'warning'];
const FD_INPUT = ['-f', 'concat', '-safe', '0', '-auto_convert', '0', '-protocol_whitelist', 'pipe,rtsp,rtsps,tcp,tls,udp,rtp'];

// Conventions §10: a table from stream config to the exact command line.
const argvTable: { name: string; options: IngestArgsOptions; argv: string[] }[] = [
  {
    name: 'default: URL through fd 3, not argv',
    options: { url: 'rtsp://admin:s3cret@10.0.0.5:554/Streaming/Channels/101', fragmentMs: 1000 },
    argv: [...HEAD, ...FD_INPUT, '-i', 'pipe:3', ...TAIL, '-frag_duration', '1000000', 'pipe:1'],
  },
  {
    name: 'fd, half-second fragments, faster analysis',
    options: { url: 'rtsp://10.0.0.5/live', fragmentMs: 500, analyzeDurationMs: 1000, urlVia: 'fd' },
    argv: [...HEAD, ...FD_INPUT, '-analyzeduration', '1000000', '-i', 'pipe:3', ...TAIL, '-frag_duration', '500000', 'pipe:1'],
  },
  {
    name: 'argv: plain -i <url> with the RTSP options as flags',
    options: { url: 'rtsp://admin:s3cret@10.0.0.5:554/ch1', fragmentMs: 1000, transport: 'tcp', socketTimeoutMs: 3000, urlVia: 'argv' },
    argv: [
      ...HEAD, '-rtsp_transport', 'tcp', '-timeout', '3000000', '-allowed_media_types', 'video',
      '-i', 'rtsp://admin:s3cret@10.0.0.5:554/ch1', ...TAIL, '-frag_duration', '1000000', 'pipe:1',
    ],
  },
  {
    name: 'argv with analysis duration',
    options: { url: 'rtsps://cam.example/ch1', fragmentMs: 2000, analyzeDurationMs: 2500, urlVia: 'argv' },
    argv: [
      ...HEAD, '-analyzeduration', '2500000', '-rtsp_transport', 'tcp', '-timeout', '5000000', '-allowed_media_types', 'video',
      '-i', 'rtsps://cam.example/ch1', ...TAIL, '-frag_duration', '2000000', 'pipe:1',
    ],
  },
];

describe('buildIngestArgs', () => {
  it.each(argvTable)('$name', ({ options, argv }) => {
    expect(buildIngestArgs(options)).toEqual(argv);
  });

  it('keeps credentials out of argv in fd mode', () => {
    const argv = buildIngestArgs({ url: 'rtsp://admin:s3cret@10.0.0.5/x', fragmentMs: 1000 });
    expect(argv.join(' ')).not.toMatch(/admin|s3cret|10\.0\.0\.5/);
  });

  it.each([
    ['http://cam/x', 1000, /rtsp/],
    ['rtsp://cam/x\nfile /etc/passwd', 1000, /control/],
    ['rtsp://cam/x', 0, /fragmentMs/],
    ['rtsp://cam/x', 1.5, /fragmentMs/],
  ])('rejects %j / %d', (url, fragmentMs, message) => {
    expect(() => buildIngestArgs({ url, fragmentMs })).toThrow(IngestArgsError);
    expect(() => buildIngestArgs({ url, fragmentMs })).toThrow(message);
  });

  it('never echoes the URL in its errors', () => {
    expect(() => buildIngestArgs({ url: 'http://admin:s3cret@cam/x', fragmentMs: 1000 })).toThrow(/^(?!.*s3cret)/);
  });
});

describe('buildInputScript', () => {
  it('names the URL and passes the RTSP options to the inner demuxer', () => {
    expect(buildInputScript({ url: 'rtsp://admin:s3cret@10.0.0.5:554/ch1', fragmentMs: 1000, analyzeDurationMs: 1000 })).toBe(
      [
        'ffconcat version 1.0',
        "file 'rtsp://admin:s3cret@10.0.0.5:554/ch1'",
        'option rtsp_transport tcp',
        'option timeout 5000000',
        'option allowed_media_types video',
        'option analyzeduration 1000000',
        '',
      ].join('\n'),
    );
  });

  it("quotes a ' in the URL the way ffmpeg's tokenizer reads it", () => {
    expect(buildInputScript({ url: "rtsp://u:it's@cam/x", fragmentMs: 1000 })).toContain("file 'rtsp://u:it'\\''s@cam/x'\n");
  });
});
