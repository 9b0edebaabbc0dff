// Wiring of the minimal console page: camera and stream pickers, the Live / Playback tabs, state texts, the error
// banner, and the test hooks `window.vigilLive` and `window.vigilPlayback`. The players own their media; this file
// owns only the DOM around them.

import { describeError, fromCstInput, getJson, toCstInput } from './api.js';
import { LivePlayer } from './live-player.js';
import { exportUrl, PlaybackView } from './playback.js';

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

function liveUrl(cameraId, stream) {
  const url = new URL(`/api/v1/cameras/${encodeURIComponent(cameraId)}/live`, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (stream) url.searchParams.set('stream', stream);
  return url.href;
}

function readRange() {
  return { fromMs: fromCstInput($('from').value), toMs: fromCstInput($('to').value) };
}

function updateDownloadLink() {
  const camera = selectedCamera();
  const { fromMs, toMs } = readRange();
  const link = $('download');
  if (camera && Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs) {
    link.href = exportUrl(camera.id, fromMs, toMs);
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
  if (view === 'live' && camera) live.start(liveUrl(camera.id, $('stream').value));
  else live.stop();
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
  try {
    await playback.play(camera.id, fromMs, toMs);
  } catch {
    // PlaybackView has already put the error in its state line and the banner (via onState).
  }
});

const now = Date.now();
$('from').value = toCstInput(now - 5 * 60 * 1000);
$('to').value = toCstInput(now);
updateDownloadLink();
loadCameras();
