// The demo: four simulated cameras (two 1080p, two 720p, each with a sub stream), Vigil serving on an embedded
// SQLite database under ./data with a compliant unit's records (demo-seed.ts), and the URL printed. Cameras are
// registered once (by name) so a restart keeps their recordings. Stop with Ctrl-C.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { preset1080p, preset720p, startSimCameras } from './sim-camera/index.js';
import { repoRoot, runVigil } from '../test/support/vigil-process.js';
import { seedDemoCompliance } from './demo-seed.js';

const dataDir = process.env.VIGIL_DATA_DIR ?? join(repoRoot, 'data');
const port = process.env.VIGIL_PORT ?? '8080';
const simPort = Number(process.env.VIGIL_DEMO_RTSP_PORT ?? 8554);

const cameras = [
  { name: '东门 East Gate', main: preset1080p('east-gate', { label: '东门 East Gate' }) },
  { name: '大厅 Lobby', main: preset1080p('lobby', { label: '大厅 Lobby' }) },
  { name: '停车场 Car Park', main: preset720p('car-park', { label: '停车场 Car Park' }) },
  { name: '收银台 Checkout', main: preset720p('checkout', { label: '收银台 Checkout' }) },
];

console.log('demo: preparing simulated cameras (clips are encoded once and cached)…');
const sim = await startSimCameras({
  port: simPort,
  streams: cameras.flatMap((c) => [
    c.main,
    { name: `${c.main.name}-sub`, width: 640, height: 360, bitrateKbps: 600, label: c.main.label },
  ]),
});

const env = { VIGIL_DATA_DIR: dataDir };
const listed = await runVigil(['camera', 'list', '--json'], { env });
if (listed.code !== 0) throw new Error(`vigil camera list failed: ${listed.stderr || listed.stdout}`);
const existing = new Set(((listed.json as { cameras: { name: string }[] }).cameras ?? []).map((c) => c.name));
for (const c of cameras) {
  if (existing.has(c.name)) continue;
  const added = await runVigil(['camera', 'add', '--json', '--name', c.name, '--url', sim.urlOf(c.main.name), '--sub-url', sim.urlOf(`${c.main.name}-sub`)], { env });
  if (added.code !== 0) throw new Error(`vigil camera add failed: ${added.stderr || added.stdout}`);
}

// A demo operator who may watch every camera: personnel records and training in place (R16.1), grants on all cameras
// (R16.2). Created once; its one-time password is shown then and must be changed at first sign-in.
const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
let operatorLogin = "'demo' — password as you set it (forgot it? npx vigil user reset-password demo)";
const users = await runVigil(['user', 'list', '--json'], { env });
if (users.code !== 0) throw new Error(`vigil user list failed: ${users.stderr || users.stdout}`);
if (!((users.json as { users: { username: string }[] }).users ?? []).some((u) => u.username === 'demo')) {
  const vigil = async (args: string[]) => {
    const r = await runVigil([...args, '--json'], { env });
    if (r.code !== 0) throw new Error(`vigil ${args.slice(0, 2).join(' ')} failed: ${r.stderr || r.stdout}`);
    return r.json as Record<string, unknown>;
  };
  const added = await vigil(['user', 'add', '--username', 'demo', '--name', '演示值班员 Demo Operator', '--unit', '演示单位保卫处 Demo Security Office', '--role', 'operator']);
  const now = Date.now();
  await vigil(['user', 'personnel', 'demo', '--vetted', isoDay(now - 30 * DAY), '--confidentiality', isoDay(now - 30 * DAY)]);
  await vigil(['user', 'training', 'demo', '--course', '视频监控操作与保密培训 CCTV operation and confidentiality', '--completed', isoDay(now - 7 * DAY), '--valid-until', isoDay(now + 365 * DAY)]);
  await vigil(['grant', 'add', 'demo', '--all', '--action', 'live', '--action', 'playback', '--action', 'export']);
  operatorLogin = `'demo' / ${String(added.password)}  (one-time: change it at first sign-in)`;
}

// The unit's compliance records (R7–R17, D12, D17), once: profile, places, signs, an accepted system in use, the
// filing with its receipt, the R8.2 check. The checker is then clean; break a rule in the console to see it caught.
let adminLogin = "'admin' — one-time password in vigil serve's output on its first start";
console.log('demo: preparing the compliance records (first start only)…');
const seeded = await seedDemoCompliance(dataDir);
if (seeded) {
  if (seeded.admin) adminLogin = `'${seeded.admin.username}' / ${seeded.admin.password}  (one-time; TOTP enrolment at first sign-in)`;
  console.log(`demo: compliance records made; the checker reports ${seeded.findings} finding(s)`);
}

const serve = spawn(join(repoRoot, 'bin', 'vigil'), ['serve', '--data-dir', dataDir, '--port', port], {
  stdio: ['ignore', 'inherit', 'pipe'],
  env: { ...process.env, VIGIL_LOG_LEVEL: process.env.VIGIL_LOG_LEVEL ?? 'warn' },
});
serve.stderr.pipe(process.stderr);
const host = process.env.VIGIL_HOST ?? '127.0.0.1';
console.log(`
Vigil demo
  web UI:   http://${host}:${port}/
  logins:   operator ${operatorLogin}
            system admin ${adminLogin}
            (no video: 三员分立; create a security admin and an auditor with npx vigil user add)
  data:     ${dataDir} (SQLite index + segment store)
  cameras:  ${cameras.map((c) => c.name).join(', ')} (simulated, rtsp://127.0.0.1:${sim.port}/…)
Press Ctrl-C to stop.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  serve.kill('SIGTERM');
  await new Promise((r) => serve.once('close', r));
  await sim.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
serve.on('close', async (code) => {
  if (stopping) return;
  console.error(`vigil serve exited with ${code}`);
  await sim.close();
  process.exit(code ?? 1);
});
