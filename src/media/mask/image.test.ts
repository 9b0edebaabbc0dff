// The mask image and the argv that carry privacy masks (R13, D11) to ffmpeg: exact bytes and exact arguments.
import { describe, expect, it } from 'vitest';
import { buildIngestArgs, MASK_INPUT_FD } from '../ingest/args.js';
import { buildSnapshotArgs, buildWatermarkArgs, MASK_FD } from '../watermark/args.js';
import { maskFilterGraph, maskImagePam, maskInputArgs } from './image.js';

describe('maskImagePam', () => {
  it('writes a P7 GRAYSCALE_ALPHA image: black, opaque inside, transparent outside', () => {
    const pam = maskImagePam([{ points: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]] }], 4, 2);
    const header = 'P7\nWIDTH 4\nHEIGHT 2\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n';
    expect(pam.subarray(0, header.length).toString('ascii')).toBe(header);
    expect([...pam.subarray(header.length)]).toEqual([0, 0, 0, 0, 0, 255, 0, 255, 0, 0, 0, 0, 0, 255, 0, 255]);
  });
});

describe('mask arguments', () => {
  it('reads the image from a pipe fd and overlays it scaled to the picture', () => {
    expect(maskInputArgs(4)).toEqual(['-f', 'pam_pipe', '-i', 'pipe:4']);
    expect(() => maskInputArgs(1)).toThrow(RangeError);
    expect(maskFilterGraph(0, 1)).toBe('[1:v][0:v:0]scale2ref=flags=neighbor[vmask][vbase];[vbase][vmask]overlay=eof_action=repeat:format=auto,format=yuv420p[out]');
    expect(() => maskFilterGraph(0, 1, [], 'yuv420p,drawtext')).toThrow(RangeError);
  });

  it('the ingest re-encodes with the mask only when asked, and copies otherwise', () => {
    const plain = buildIngestArgs({ url: 'rtsp://h/x', fragmentMs: 1000 });
    expect(plain).toContain('copy');
    expect(plain.join(' ')).not.toContain('pam_pipe');
    const masked = buildIngestArgs({ url: 'rtsp://h/x', fragmentMs: 1000, maskBurnIn: true });
    expect(masked).not.toContain('copy');
    expect(masked.join(' ')).toContain(`-f pam_pipe -i pipe:${MASK_INPUT_FD} -filter_complex`);
    expect(masked.join(' ')).toContain('-map [out] -c:v libx264 -preset veryfast');
    expect(masked.join(' ')).toContain('-force_key_frames expr:gte(t,n_forced*2)');
  });

  it('the export and snapshot put the mask under the watermark text', () => {
    const args = buildWatermarkArgs({ fontFile: '/f.ttc', lines: ['a'], mask: true });
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(args.join(' ')).toContain(`-i pipe:0 -f pam_pipe -i pipe:${MASK_FD}`);
    expect(graph.indexOf('overlay')).toBeLessThan(graph.indexOf('drawtext'));
    expect(buildWatermarkArgs({ fontFile: '/f.ttc', lines: ['a'] })).toContain('-vf');
    expect(buildSnapshotArgs({ fontFile: '/f.ttc', lines: ['a'], seekSeconds: 1, mask: true }).join(' ')).toContain('format=yuvj420p[out]');
  });
});
