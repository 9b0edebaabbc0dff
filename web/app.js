// Wiring of the minimal console page: sign-in, the reason every viewing must state (R16.3), the viewer watermark
// over the pictures (D18), camera and stream pickers, the Live / Playback tabs, state texts, the error banner, and
// the test hooks `window.vigilLive` and `window.vigilPlayback`. The players own their media; this file owns only the
// DOM around them.

import { ApiError, describeError, fromCstInput, getJson, postJson, setCsrfToken, toCstInput } from './api.js';
import { LivePlayer } from './live-player.js';
import { exportUrl, PlaybackView } from './playback.js';
import { REASON_TEXT } from './reasons.js';

const $ = (id) => document.getElementById(id);

function option(text, value) {
  const element = document.createElement('option');
  element.textContent = text;
  element.value = value;
  return element;
}

const STATE_TEXT = {
  idle: '未连接 Idle',
  connecting: '连接中 Connecting',
  reconnecting: '重新连接中 Reconnecting',
  waiting: '等待视频 Waiting for video',
  playing: '播放中 Playing',
  loading: '加载中 Loading',
  ended: '已结束 Ended',
  unsupported: '无法播放 Cannot play',
  error: '错误 Error',
};

const STREAM_KIND_TEXT = { main: '主码流 Main', sub: '子码流 Sub' };

let cameras = [];
let view = 'live';
let me = null;

const live = new LivePlayer(
  $('live-video'),
  (state, detail) => showState($('live-state'), state, state === 'unsupported' ? detail + subStreamHint() : detail),
  (note) => {
    $('live-note').textContent = note;
    $('live-note').hidden = !note;
  },
);
const playback = new PlaybackView({
  video: $('playback-video'),
  timeline: $('timeline'),
  gaps: $('gaps'),
  onState: (state, detail) => showState($('playback-state'), state, detail),
});

window.vigilLive = { framesDecoded: () => live.framesDecoded(), state: () => live.state(), transcoding: () => live.transcoding };
window.vigilPlayback = { framesDecoded: () => playback.framesDecoded(), state: () => playback.state() };

function showState(element, state, detail) {
  const text = STATE_TEXT[state] ?? state;
  const problem = state === 'error' || state === 'unsupported';
  // A problem's explanation goes to the banner once; the state line stays short.
  element.textContent = detail && !problem ? `${text}：${detail}` : text;
  element.dataset.state = state;
  if (problem) showError(detail || text);
}

/** Points at the sub-stream only when the camera has one and the main stream is the one shown. */
function subStreamHint() {
  const camera = selectedCamera();
  const hasSub = camera?.streams?.some((stream) => stream.kind === 'sub');
  if (!hasSub || $('stream').value !== 'main') return '';
  return ' 可在“码流 Stream”中改选子码流。 You can choose the sub-stream under “Stream”.';
}

function showError(error) {
  const banner = $('error');
  banner.textContent = typeof error === 'string' ? error : describeError(error);
  banner.hidden = false;
}

function clearError() {
  $('error').hidden = true;
}

function selectedCamera() {
  return cameras.find((camera) => camera.id === $('camera').value) ?? null;
}

/** The stated reason, or null with the banner asking for it (R16.3: no viewing without one). */
function currentReason() {
  const category = $('reason-category').value;
  const text = $('reason-text').value.trim();
  if (!category || text.length < 2) return null;
  return { category, text };
}

function liveUrl(cameraId, stream, reason) {
  const url = new URL(`/api/v1/cameras/${encodeURIComponent(cameraId)}/live`, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (stream) url.searchParams.set('stream', stream);
  url.searchParams.set('reason', reason.category);
  url.searchParams.set('reasonText', reason.text);
  return url.href;
}

function readRange() {
  return { fromMs: fromCstInput($('from').value), toMs: fromCstInput($('to').value) };
}

function updateDownloadLink() {
  const camera = selectedCamera();
  const { fromMs, toMs } = readRange();
  const link = $('download');
  const reason = currentReason();
  if (camera && reason && Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs) {
    link.href = exportUrl(camera.id, fromMs, toMs, reason);
    link.removeAttribute('aria-disabled');
  } else {
    link.removeAttribute('href');
    link.setAttribute('aria-disabled', 'true');
  }
}

/** Starts or stops the live player to match the selected tab, camera and stream. */
function applySelection() {
  clearError();
  const camera = selectedCamera();
  const reason = currentReason();
  if (view === 'live' && camera && reason) live.start(liveUrl(camera.id, $('stream').value, reason));
  else live.stop();
  if (view === 'live' && camera && !reason) showError('请先选择查看事由并填写说明（依据 R16.3）。 State the reason for viewing first (R16.3).');
  if (view !== 'playback') playback.stop();
  updateDownloadLink();
}

function showView(next) {
  view = next;
  $('live').hidden = view !== 'live';
  $('playback').hidden = view !== 'playback';
  $('tab-live').setAttribute('aria-pressed', String(view === 'live'));
  $('tab-playback').setAttribute('aria-pressed', String(view === 'playback'));
  applySelection();
}

function renderStreams(camera) {
  const select = $('stream');
  const previous = select.value;
  const options = [option('默认 Default', '')];
  for (const stream of camera?.streams ?? []) {
    options.push(option(STREAM_KIND_TEXT[stream.kind] ?? stream.kind, stream.kind));
  }
  select.replaceChildren(...options);
  if (options.some((option) => option.value === previous)) select.value = previous;
}

async function loadCameras() {
  try {
    cameras = await getJson('/api/v1/cameras');
  } catch (error) {
    showError(error);
    return;
  }
  const select = $('camera');
  if (cameras.length === 0) {
    select.replaceChildren(option('没有摄像机 No cameras', ''));
    return;
  }
  select.replaceChildren(
    ...cameras.map((camera) => option(camera.enabled ? camera.name : `${camera.name}（停用 disabled）`, camera.id)),
  );
  const firstEnabled = cameras.find((camera) => camera.enabled) ?? cameras[0];
  select.value = firstEnabled.id;
  renderStreams(firstEnabled);
  applySelection();
}

$('camera').addEventListener('change', () => {
  renderStreams(selectedCamera());
  applySelection();
});
$('stream').addEventListener('change', applySelection);
$('tab-live').addEventListener('click', () => showView('live'));
$('tab-playback').addEventListener('click', () => showView('playback'));
$('from').addEventListener('change', updateDownloadLink);
$('to').addEventListener('change', updateDownloadLink);
$('range').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearError();
  const camera = selectedCamera();
  const { fromMs, toMs } = readRange();
  if (!camera) return showError('请先选择摄像机 Choose a camera first');
  if (!(toMs > fromMs)) return showError('结束时间须晚于开始时间 The end must be after the start');
  const reason = currentReason();
  if (!reason) return showError('请先选择查看事由并填写说明（依据 R16.3）。 State the reason for viewing first (R16.3).');
  try {
    await playback.play(camera.id, fromMs, toMs, reason);
  } catch {
    // PlaybackView has already put the error in its state line and the banner (via onState).
  }
});

$('reason-category').addEventListener('change', applySelection);
$('reason-text').addEventListener('change', applySelection);

/** The viewer watermark (D18): name, unit, account and the time, tiled over both pictures, refreshed each second. */
function renderWatermarks() {
  if (!me) return;
  const text = `${me.displayName} · ${me.unit} · ${me.username} · ${new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')}`;
  for (const layer of document.querySelectorAll('.watermark')) {
    if (layer.childElementCount !== 9) {
      layer.replaceChildren(...Array.from({ length: 9 }, () => document.createElement('span')));
    }
    for (const span of layer.children) span.textContent = text;
  }
}

function showLogin(message) {
  $('app').hidden = true;
  $('login').hidden = false;
  $('password-form').hidden = true;
  $('login-form').hidden = false;
  $('login-error').hidden = !message;
  $('login-error').textContent = message ?? '';
}

function enterApp(session) {
  me = session;
  setCsrfToken(session.csrfToken);
  $('login').hidden = true;
  $('app').hidden = false;
  $('who').textContent = `${session.displayName}（${session.unit}）`;
  $('reason-category').replaceChildren(
    option('请选择 Choose…', ''),
    ...session.reasonCategories.map((code) => option(REASON_TEXT[code] ?? code, code)),
  );
  renderWatermarks();
  setInterval(renderWatermarks, 1000);
  const now = Date.now();
  $('from').value = toCstInput(now - 5 * 60 * 1000);
  $('to').value = toCstInput(now);
  updateDownloadLink();
  loadCameras();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const result = await postJson('/api/v1/auth/login', {
      username: $('login-username').value,
      password: $('login-password').value,
      ...($('login-totp').value ? { totp: $('login-totp').value } : {}),
    });
    setCsrfToken(result.csrfToken);
    if (result.mustChangePassword) {
      $('login-form').hidden = true;
      $('password-form').hidden = false;
      $('password-current').value = $('login-password').value;
      return;
    }
    enterApp(result);
  } catch (error) {
    showLogin(describeError(error));
  }
});

$('password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    await postJson('/api/v1/auth/password', { current: $('password-current').value, next: $('password-next').value });
    enterApp(await getJson('/api/v1/auth/me'));
  } catch (error) {
    $('login-error').textContent = describeError(error);
    $('login-error').hidden = false;
  }
});

$('logout').addEventListener('click', async () => {
  live.stop();
  playback.stop();
  await postJson('/api/v1/auth/logout').catch(() => undefined);
  window.location.reload();
});

getJson('/api/v1/auth/me').then(enterApp, (error) => {
  showLogin(error instanceof ApiError && error.status === 401 ? '' : describeError(error));
});
