// Runs one watermark encode: the producer writes the export's bytes into ffmpeg's stdin (awaiting drain), ffmpeg's
// stdout goes to the consumer (awaiting it before reading on). Both directions are back-pressured, so memory stays
// at a few pipe buffers however long the export. The child is always reaped: on success after EOF, on a failure or
// an aborted client by SIGKILL (a half-written export has no value, and ffmpeg may be blocked on a full pipe).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { buildSnapshotArgs, buildWatermarkArgs, MASK_FD } from './args.js';

export type ByteWriter = (chunk: Buffer) => Promise<void> | void;

export interface WatermarkRunOptions {
  ffmpegPath: string;
  fontFile: string;
  lines: string[];
  signal?: AbortSignal;
  /** The privacy masks to burn in (R13, D11) as a PAM image (media/mask maskImagePam), written to the child on fd 3. */
  maskImage?: Buffer;
}

export class WatermarkError extends Error {
  readonly code = 'watermark_failed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WatermarkError';
  }
}

/** Burns the watermark into what `produce` writes and streams the result to `consume`; resolves with bytes out. */
export function runWatermark(options: WatermarkRunOptions, produce: (write: ByteWriter) => Promise<unknown>, consume: ByteWriter): Promise<number> {
  return runEncode(options, buildWatermarkArgs({ fontFile: options.fontFile, lines: options.lines, mask: !!options.maskImage }), produce, consume);
}

/** One watermarked JPEG of the frame `seekSeconds` into what `produce` writes (a snapshot); resolves with bytes out. */
export function runSnapshot(options: WatermarkRunOptions & { seekSeconds: number }, produce: (write: ByteWriter) => Promise<unknown>, consume: ByteWriter): Promise<number> {
  // ffmpeg stops reading once it has its one frame: input it no longer takes is not an error (its exit code says).
  return runEncode(options, buildSnapshotArgs({ fontFile: options.fontFile, lines: options.lines, seekSeconds: options.seekSeconds, mask: !!options.maskImage }), produce, consume, true);
}

async function runEncode(
  options: WatermarkRunOptions,
  args: string[],
  produce: (write: ByteWriter) => Promise<unknown>,
  consume: ByteWriter,
  inputMayEndEarly = false,
): Promise<number> {
  const child = spawn(options.ffmpegPath, args, { stdio: options.maskImage ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'] });
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (t: string) => (stderrTail = (stderrTail + t).slice(-2000)));
  child.stdin.on('error', () => undefined); // EPIPE when ffmpeg has died: 'close' says why
  const kill = () => child.kill('SIGKILL');
  const maskPipe = child.stdio[MASK_FD];
  if (options.maskImage && maskPipe instanceof Writable) {
    // Written while the export streams in: ffmpeg opens this input after probing stdin, so neither side waits.
    maskPipe.on('error', () => undefined); // EPIPE when ffmpeg has died: 'close' says why
    maskPipe.end(options.maskImage);
  }
  options.signal?.addEventListener('abort', kill, { once: true });

  let bytesOut = 0;
  const pump = (async () => {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      await consume(chunk);
      bytesOut += chunk.length;
    }
  })();
  const feed = (async () => {
    await produce(async (chunk) => {
      if (child.stdin.destroyed || child.stdin.writableEnded) {
        if (inputMayEndEarly) return;
        throw new WatermarkError(`watermark encoder stopped taking input: ${lastLine(stderrTail)}`);
      }
      if (!child.stdin.write(chunk)) await Promise.race([once(child.stdin, 'drain'), once(child.stdin, 'close')]);
    });
    child.stdin.end();
  })();
  try {
    await Promise.all([feed, pump]);
    const [code, signal] = await closed;
    if (code !== 0) throw new WatermarkError(`watermark encoder failed (${signal ?? `exit ${code}`}): ${lastLine(stderrTail)}`);
    return bytesOut;
  } catch (err) {
    kill();
    await closed.catch(() => undefined);
    await Promise.allSettled([feed, pump]);
    if (err instanceof WatermarkError) throw err;
    throw new WatermarkError(`watermarked export failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    options.signal?.removeEventListener('abort', kill);
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() || 'no diagnostic from ffmpeg';
}
