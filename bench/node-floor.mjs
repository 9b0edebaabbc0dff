// The floor of the recorder's node process (bench/README.md, recording-cost): what the design requires of it per
// fragment — read ffmpeg's pipe, SHA-256, AES-256-GCM, writev, fdatasync — and nothing else (no fMP4 parser, no
// database, no HTTP, no live hub), over N real ffmpeg children. Prints this process's CPU per stream-second.
//
//   npx tsx tools/sim-camera/cli.ts --count 4 --port 8555 &      # 4 simulated 1080p cameras
//   node bench/node-floor.mjs enc 8 30 rtsp://127.0.0.1:8555/cam{1,2,3,4}
//
// Modes (each adds to the one before): read · hash · write (writev + fdatasync about every 400 KB, ~one fragment) ·
// enc (AES-256-GCM per pipe chunk before the write). Files go to a temp dir, removed at the end.
import { spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [mode = 'enc', n = '8', seconds = '30', ...urls] = process.argv.slice(2);
if (!['read', 'hash', 'write', 'enc'].includes(mode) || urls.length === 0) {
  console.error('usage: node bench/node-floor.mjs read|hash|write|enc STREAMS SECONDS RTSP_URL...');
  process.exit(2);
}
const streams = Number(n);
const dir = mkdtempSync(join(tmpdir(), 'vigil-floor-'));
const ticks = () => {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, all threads of this process
};
const children = [];
for (let i = 0; i < streams; i++) {
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-rtsp_transport', 'tcp', '-i', urls[i % urls.length],
    '-map', '0:v:0', '-c', 'copy', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof+skip_trailer',
    '-frag_duration', '1000000', 'pipe:1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  const file = mode === 'read' || mode === 'hash' ? null : await open(join(dir, `${i}.bin`), 'w');
  const hash = createHash('sha256');
  const key = randomBytes(32);
  let pending = [];
  let pendingBytes = 0;
  let writing = false;
  let at = 0;
  const flush = async () => {
    if (writing || pendingBytes < 400_000) return;
    writing = true;
    const parts = pending;
    pending = [];
    pendingBytes = 0;
    const out = mode === 'enc'
      ? parts.map((p) => { const c = createCipheriv('aes-256-gcm', key, randomBytes(12)); const body = c.update(p); c.final(); return Buffer.concat([body, c.getAuthTag()]); })
      : parts;
    at += (await file.writev(out, at)).bytesWritten;
    await file.datasync();
    writing = false;
  };
  child.stdout.on('data', (chunk) => {
    if (mode === 'read') return;
    hash.update(chunk);
    if (mode === 'hash') return;
    pending.push(chunk);
    pendingBytes += chunk.length;
    void flush();
  });
}
await new Promise((r) => setTimeout(r, 5000)); // connect and settle
const t0 = ticks();
await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
const used = ticks() - t0;
for (const c of children) c.kill();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ mode, streams, seconds: Number(seconds), cpuTicks: used, msPerStreamSecond: Number(((used * 10) / Number(seconds) / streams).toFixed(2)) }));
process.exit(0);
