// Command line for the simulated cameras (tools/sim-camera), used by the demo: starts N cameras on one RTSP
// server, prints one URL per line on stdout (status goes to stderr, so scripts can read the URLs), and serves
// until killed. Usage:
//   tsx tools/sim-camera/cli.ts --count 4 [--port 8554] [--resolution 1080p|720p] [--bitrate 4000]
//       [--codec h264|h265] [--live 0] [--user U --password P] [--prefix cam]
import { parseArgs } from 'node:util';
import { preset1080p, preset720p, startSimCameras, type SimStream } from './index.js';

function fail(message: string): never {
  console.error(`sim-camera: ${message}`);
  process.exit(2);
}

function int(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got ${value}`);
  return n;
}

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '4' },
    port: { type: 'string', default: '8554' },
    resolution: { type: 'string', default: '1080p' },
    bitrate: { type: 'string' },
    codec: { type: 'string', default: 'h264' },
    live: { type: 'string', default: '0' },
    user: { type: 'string' },
    password: { type: 'string' },
    prefix: { type: 'string', default: 'cam' },
  },
  strict: true,
});

const count = int(values.count, 'count', 4);
const live = int(values.live, 'live', 0);
const port = int(values.port, 'port', 8554);
const preset = values.resolution === '720p' ? preset720p : values.resolution === '1080p' ? preset1080p : fail('--resolution must be 1080p or 720p');
const codec = values.codec === 'h264' || values.codec === 'h265' ? values.codec : fail('--codec must be h264 or h265');
if ((values.user === undefined) !== (values.password === undefined)) fail('--user and --password go together');
const auth = values.user !== undefined && values.password !== undefined ? { user: values.user, password: values.password } : undefined;

const streams: SimStream[] = [];
for (let i = 1; i <= count; i++) {
  const name = `${values.prefix}${i}`;
  const bitrate = values.bitrate === undefined ? {} : { bitrateKbps: int(values.bitrate, 'bitrate', 0) };
  // The picture names the camera in Chinese too: the demo shows CJK text rendering end to end.
  streams.push(preset(name, { codec, label: `${name} 摄像机${i}`, ...bitrate }));
}
for (let i = 1; i <= live; i++) {
  // Live-encoded: the wall clock in the picture is real (costs a share of a core each).
  streams.push(preset(`${values.prefix}-live${i}`, { kind: 'live', label: `${values.prefix}-live${i} 实时` }));
}
if (streams.length === 0) fail('nothing to serve (--count 0 and --live 0)');

console.error(`sim-camera: preparing ${streams.length} stream(s) (first run encodes the clips, then they are cached)`);
const cams = await startSimCameras({ streams, port, ...(auth ? { auth } : {}) });
for (const s of streams) console.log(cams.urlOf(s.name));
console.error(`sim-camera: serving on 127.0.0.1:${cams.port} (pid ${cams.pid}); Ctrl-C to stop`);

let closing = false;
const shutdown = (): void => {
  if (closing) return;
  closing = true;
  void cams.close().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
await cams.exited;
if (!closing) fail('RTSP server exited unexpectedly (set VIGIL_SIM_CAMERA_DEBUG=1 to see its log)');
