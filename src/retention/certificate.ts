// Deletion certificates (R17, R15): per executor run, what was deleted (cameras, segment ids, time ranges and the
// SHA-256 of each), when, and why (reason and policy), signed with the installation's Ed25519 key — the key of the
// audit and integrity checkpoints, under its own tag so a certificate can never pass for a checkpoint.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { keyIdOf } from '../audit/index.js';
import type { RetentionDeletionRow, RetentionRunRow } from '../db/index.js';

export const CERTIFICATE_TAG = 'vigil.deletion_certificate.v1';

export interface CertificateSegment {
  id: number;
  cameraId: string;
  streamId: string;
  startMs: number;
  endMs: number;
  sizeBytes: number;
  sha256: string;
  reason: string;
  policyId: string;
  deletedMs: number;
}

export interface CertificateCamera {
  cameraId: string;
  segments: number;
  bytes: number;
  fromMs: number;
  toMs: number;
  reasons: Record<string, number>;
  policyIds: string[];
  /** The system-log entry of this run and camera. */
  systemLogId: number;
}

export interface DeletionCertificate {
  type: typeof CERTIFICATE_TAG;
  runId: string;
  trigger: string;
  startedMs: number;
  finishedMs: number;
  keyId: string;
  totals: { segments: number; bytes: number; abandoned: number };
  cameras: CertificateCamera[];
  segments: CertificateSegment[];
}

export interface SignedCertificate {
  certificate: DeletionCertificate;
  /** Exactly the bytes signed (after the tag and a 0 byte), as stored. */
  json: string;
  signature: string; // base64
  keyId: string;
  publicKeyPem: string;
}

function message(json: string): Buffer {
  return Buffer.concat([Buffer.from(CERTIFICATE_TAG), Buffer.from([0]), Buffer.from(json, 'utf8')]);
}

export function buildCertificate(run: RetentionRunRow, items: readonly RetentionDeletionRow[], finishedMs: number, key: KeyObject): { json: string; signature: Buffer; keyId: string; certificate: DeletionCertificate } {
  const deleted = items.filter((i) => i.state === 'deleted').sort((a, b) => Number(a.segment_id) - Number(b.segment_id));
  const segments: CertificateSegment[] = deleted.map((i) => ({
    id: Number(i.segment_id), cameraId: i.camera_id, streamId: i.stream_id, startMs: Number(i.start_ms), endMs: Number(i.end_ms),
    sizeBytes: Number(i.size_bytes), sha256: i.sha256.toString('hex'), reason: i.reason, policyId: i.policy_id, deletedMs: Number(i.deleted_ms),
  }));
  const byCamera = new Map<string, CertificateCamera>();
  for (const [k, s] of segments.entries()) {
    const c = byCamera.get(s.cameraId) ?? { cameraId: s.cameraId, segments: 0, bytes: 0, fromMs: s.startMs, toMs: s.endMs, reasons: {}, policyIds: [], systemLogId: Number(deleted[k]!.audit_seq) };
    c.segments++;
    c.bytes += s.sizeBytes;
    c.fromMs = Math.min(c.fromMs, s.startMs);
    c.toMs = Math.max(c.toMs, s.endMs);
    c.reasons[s.reason] = (c.reasons[s.reason] ?? 0) + 1;
    if (!c.policyIds.includes(s.policyId)) c.policyIds.push(s.policyId);
    byCamera.set(s.cameraId, c);
  }
  const keyId = keyIdOf(key);
  const certificate: DeletionCertificate = {
    type: CERTIFICATE_TAG, runId: run.id, trigger: run.trigger, startedMs: Number(run.started_ms), finishedMs, keyId,
    totals: { segments: segments.length, bytes: segments.reduce((t, s) => t + s.sizeBytes, 0), abandoned: items.filter((i) => i.state === 'abandoned').length },
    cameras: [...byCamera.values()].sort((a, b) => (a.cameraId < b.cameraId ? -1 : 1)),
    segments,
  };
  const json = JSON.stringify(certificate);
  return { json, signature: sign(null, message(json), key), keyId, certificate };
}

/** Checks a stored certificate against a public (or the private) key: true only if its bytes are as signed. */
export function certificateSignatureValid(json: string, signature: Buffer, key: KeyObject): boolean {
  try {
    return verify(null, message(json), createPublicKey(key), signature);
  } catch {
    return false;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

export function certificateText(c: SignedCertificate): string {
  const d = c.certificate;
  const lines = [
    `删除证明 / Deletion certificate ${d.runId}`,
    `when: ${iso(d.startedMs)} – ${iso(d.finishedMs)} (trigger ${d.trigger})`,
    `what: ${d.totals.segments} segments, ${d.totals.bytes} bytes${d.totals.abandoned ? `, ${d.totals.abandoned} planned deletions not carried out` : ''}`,
    ...d.cameras.map((x) => `  camera ${x.cameraId}: ${x.segments} segments, ${x.bytes} bytes, ${iso(x.fromMs)} – ${iso(x.toMs)}; why: ${Object.entries(x.reasons).map(([r, k]) => `${r} ×${k}`).join(', ')}; policy ${x.policyIds.join(', ')}; system log #${x.systemLogId}`),
    'segments (id, camera, start, end, bytes, SHA-256, reason):',
    ...d.segments.map((s) => `  ${s.id} ${s.cameraId} ${iso(s.startMs)} ${iso(s.endMs)} ${s.sizeBytes} ${s.sha256} ${s.reason}`),
    `signed: Ed25519, key ${c.keyId}, signature ${c.signature}`,
  ];
  return lines.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function certificateHtml(c: SignedCertificate): string {
  const d = c.certificate;
  const rows = d.segments
    .map((s) => `<tr><td>${s.id}</td><td>${esc(s.cameraId)}</td><td>${iso(s.startMs)}</td><td>${iso(s.endMs)}</td><td>${s.sizeBytes}</td><td><code>${s.sha256}</code></td><td>${esc(s.reason)}</td><td>${esc(s.policyId)}</td></tr>`)
    .join('\n');
  const cams = d.cameras
    .map((x) => `<tr><td>${esc(x.cameraId)}</td><td>${x.segments}</td><td>${x.bytes}</td><td>${iso(x.fromMs)} – ${iso(x.toMs)}</td><td>${esc(Object.entries(x.reasons).map(([r, k]) => `${r} ×${k}`).join(', '))}</td><td>${esc(x.policyIds.join(', '))}</td><td>#${x.systemLogId}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>删除证明 Deletion certificate ${esc(d.runId)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px;font-size:12px}code{font-size:11px}</style></head>
<body>
<h1>视频删除证明 / Video deletion certificate</h1>
<p>运行 Run <code>${esc(d.runId)}</code> · 触发 Trigger ${esc(d.trigger)} · ${iso(d.startedMs)} – ${iso(d.finishedMs)}</p>
<p>依据《公共安全视频图像信息系统管理条例》第十七条：保存期满且已无保存必要的视频图像信息予以删除 (R17).</p>
<p>合计 Total: ${d.totals.segments} 段 segments, ${d.totals.bytes} 字节 bytes${d.totals.abandoned ? `; 未执行 not carried out: ${d.totals.abandoned}` : ''}</p>
<h2>按摄像机 / Per camera</h2>
<table><tr><th>摄像机 Camera</th><th>段 Segments</th><th>字节 Bytes</th><th>时间范围 Range</th><th>原因 Why</th><th>策略 Policy</th><th>系统日志 System log</th></tr>
${cams}</table>
<h2>片段 / Segments</h2>
<table><tr><th>ID</th><th>摄像机 Camera</th><th>开始 Start</th><th>结束 End</th><th>字节 Bytes</th><th>SHA-256</th><th>原因 Reason</th><th>策略 Policy</th></tr>
${rows}</table>
<h2>签名 / Signature</h2>
<p>Ed25519, key <code>${esc(c.keyId)}</code></p>
<p><code style="word-break:break-all">${esc(c.signature)}</code></p>
<pre>${esc(c.publicKeyPem)}</pre>
<p>签名覆盖的数据 / Signed bytes: <code>${CERTIFICATE_TAG}</code> ‖ 0x00 ‖ the JSON below.</p>
<pre style="white-space:pre-wrap;word-break:break-all;font-size:10px">${esc(c.json)}</pre>
</body></html>
`;
}
