// Privacy masks at display (R13, D11): every camera's mask polygons drawn in black over the live and playback
// pictures, on a canvas that follows the video's displayed size and its letterboxing (the picture is fitted inside
// the element, "object-fit: contain", so bars may lie above and below or left and right of it). Masks marked for
// burn-in are also in the exported or recorded video itself (server side); at display all of them are drawn.
// Fails closed: when the masks of the shown camera cannot be read, the whole picture is covered.
// Test hook: window.vigilMasks.state() → per video, what was last drawn. The installation page's mask editor draws
// with the same contentRect / tracePolygon / fillMasks, so what is drawn there is what the overlay hides.

import { getJson } from './api.js';

const REFRESH_MS = 60_000;

/** Where a videoWidth × videoHeight picture lands inside a boxWidth × boxHeight element (object-fit: contain). */
export function contentRect(boxWidth, boxHeight, videoWidth, videoHeight) {
  if (!videoWidth || !videoHeight || !boxWidth || !boxHeight) return null;
  const scale = Math.min(boxWidth / videoWidth, boxHeight / videoHeight);
  const width = videoWidth * scale;
  const height = videoHeight * scale;
  return { x: (boxWidth - width) / 2, y: (boxHeight - height) / 2, width, height };
}

/** Traces one polygon of [x, y] fractions onto `context` as a closed path inside `rect` (the picture's box). */
export function tracePolygon(context, rect, points) {
  context.beginPath();
  points.forEach(([x, y], i) => {
    const px = rect.x + x * rect.width;
    const py = rect.y + y * rect.height;
    if (i === 0) context.moveTo(px, py);
    else context.lineTo(px, py);
  });
  context.closePath();
}

/** Fills every mask's polygon in the context's current fill style (the overlay's black; the editor's own shades). */
export function fillMasks(context, rect, masks) {
  for (const mask of masks) {
    tracePolygon(context, rect, mask.points);
    context.fill();
  }
}

export class MaskOverlay {
  /** @param {HTMLVideoElement} video inside a positioned `.screen` container */
  constructor(video) {
    this.video = video;
    this.masks = [];
    this.failed = false;
    this.last = null;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'privacy-mask';
    this.canvas.setAttribute('aria-hidden', 'true');
    Object.assign(this.canvas.style, { position: 'absolute', left: '0', top: '0', pointerEvents: 'none' });
    video.after(this.canvas); // under the viewer watermark (D18), which follows the video
    const redraw = () => this.draw();
    for (const event of ['loadedmetadata', 'resize', 'playing', 'emptied']) video.addEventListener(event, redraw);
    new window.ResizeObserver(redraw).observe(video);
  }

  /** Masks of the camera shown now; `failed` covers the whole picture (the masks could not be read). */
  set(masks, failed = false) {
    this.masks = masks;
    this.failed = failed;
    this.draw();
  }

  draw() {
    const { video, canvas } = this;
    const width = video.clientWidth;
    const height = video.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    canvas.style.left = `${video.offsetLeft}px`;
    canvas.style.top = `${video.offsetTop}px`;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    canvas.width = Math.max(1, Math.round(width * ratio));
    canvas.height = Math.max(1, Math.round(height * ratio));
    const context = canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    context.fillStyle = '#000';
    if (this.failed) {
      context.fillRect(0, 0, width, height);
      this.last = { rect: { x: 0, y: 0, width, height }, polygons: 0, failed: true };
      return;
    }
    const rect = contentRect(width, height, video.videoWidth, video.videoHeight);
    this.last = { rect, polygons: rect ? this.masks.length : 0, failed: false };
    if (!rect) return; // no picture yet: nothing to hide
    fillMasks(context, rect, this.masks);
  }
}

const overlays = ['live-video', 'playback-video']
  .map((id) => document.getElementById(id))
  .filter((video) => video)
  .map((video) => new MaskOverlay(video));
const select = document.getElementById('camera');
let shown = null;
let generation = 0;

async function load() {
  const cameraId = select?.value || null;
  shown = cameraId;
  const mine = ++generation;
  if (!cameraId) {
    for (const overlay of overlays) overlay.set([]);
    return;
  }
  try {
    const answer = await getJson(`/api/v1/cameras/${encodeURIComponent(cameraId)}/masks`);
    if (mine === generation) for (const overlay of overlays) overlay.set(answer.masks);
  } catch {
    if (mine === generation) for (const overlay of overlays) overlay.set([], true);
  }
}

if (select) {
  select.addEventListener('change', load);
  // The page fills the camera list after sign-in and sets its value without a change event.
  new window.MutationObserver(() => {
    if (select.value !== shown) void load();
  }).observe(select, { childList: true });
  setInterval(() => void load(), REFRESH_MS);
}

window.vigilMasks = {
  state: () => overlays.map((overlay) => ({ video: overlay.video.id, cameraId: shown, ...overlay.last })),
  reload: load,
};
