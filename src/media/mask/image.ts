// The privacy masks (R13, D11) as ffmpeg sees them: a PAM image (netpbm P7, GRAYSCALE_ALPHA — black, opaque inside
// the polygons, transparent outside) that ffmpeg reads natively from a pipe, and the filter chain that lays it over
// the picture. Pure: builds bytes and strings. No user text reaches a path or a filter: the only input is numbers.
//
// Why a fixed-size image scaled to the picture (scale2ref, nearest neighbour): the masks are in fractions of the
// picture, and the ingest does not know the camera's resolution before ffmpeg has opened it. At the default 640×360
// an edge lands within one mask pixel — 3 px at 1080p, 6 px at 4K — so polygons should be drawn with a small margin.
// The image travels on an inherited pipe (never a file): nothing is written, nothing to clean up.
import { rasteriseMasks, type PrivacyMask } from '../../domain/index.js';

export const MASK_IMAGE_WIDTH = 640;
export const MASK_IMAGE_HEIGHT = 360;

/** The masks as a PAM image: two bytes per pixel, grey 0 (black) and alpha 255 inside, 0 outside. */
export function maskImagePam(masks: readonly Pick<PrivacyMask, 'points'>[], width = MASK_IMAGE_WIDTH, height = MASK_IMAGE_HEIGHT): Buffer {
  const coverage = rasteriseMasks(masks, width, height);
  const header = Buffer.from(`P7\nWIDTH ${width}\nHEIGHT ${height}\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n`, 'ascii');
  const pixels = Buffer.alloc(width * height * 2); // grey stays 0: black
  for (let i = 0; i < coverage.length; i++) pixels[i * 2 + 1] = coverage[i]!;
  return Buffer.concat([header, pixels]);
}

/** ffmpeg input options for the mask image read from file descriptor `fd` (a pipe the parent writes). */
export function maskInputArgs(fd: number): string[] {
  if (!Number.isInteger(fd) || fd < 3 || fd > 9) throw new RangeError(`mask fd must be 3..9, got ${fd}`);
  return ['-f', 'pam_pipe', '-i', `pipe:${fd}`];
}

/**
 * A -filter_complex graph: the video of input `videoInput` with the mask image of input `maskInput` scaled to it and
 * overlaid (repeated for every frame), then `after` (more filters, e.g. the watermark), labelled `[out]`.
 */
export function maskFilterGraph(videoInput: number, maskInput: number, after: string[] = [], pixelFormat = 'yuv420p'): string {
  if (!/^[a-z0-9]+$/.test(pixelFormat)) throw new RangeError(`pixel format must be a plain name, got ${JSON.stringify(pixelFormat)}`);
  const tail = [...after, `format=${pixelFormat}`].join(',');
  return `[${maskInput}:v][${videoInput}:v:0]scale2ref=flags=neighbor[vmask][vbase];[vbase][vmask]overlay=eof_action=repeat:format=auto,${tail}[out]`;
}
