// Playback of recorded footage (architecture §3 "Playback"): the recordings and gaps of a camera and time range as a
// timeline bar, the HLS playlist played with hls.js (loaded by index.html as the global `Hls`), and the MP4 export
// link. Owns its <video>, timeline and list elements; API errors are thrown up to the page, never swallowed.

import { describeError, fetchText, formatCstTime, getJson } from './api.js';

/** A blob: playlist has no base URL: every URI in it (segment lines, `URI="…"` attributes) is made absolute. */
function absolutize(playlist, baseUrl) {
  const base = new URL(baseUrl, window.location.href);
  return playlist
    .split('\n')
    .map((line) => {
      if (line.startsWith('#')) return line.replace(/URI="([^"]*)"/g, (_m, uri) => `URI="${new URL(uri, base).href}"`);
      return line.trim() ? new URL(line.trim(), base).href : line;
    })
    .join('\n');
}

/** `&reason=…&reasonText=…`: every viewing states why (R16.3); the server records it before the first byte. */
export function reasonParams(reason) {
  return `&reason=${encodeURIComponent(reason?.category ?? '')}&reasonText=${encodeURIComponent(reason?.text ?? '')}`;
}

export function playlistUrl(cameraId, fromMs, toMs, reason) {
  return `/api/v1/cameras/${encodeURIComponent(cameraId)}/playback.m3u8?from=${fromMs}&to=${toMs}${reasonParams(reason)}`;
}

export function exportUrl(cameraId, fromMs, toMs, reason) {
  return `/api/v1/cameras/${encodeURIComponent(cameraId)}/export.mp4?from=${fromMs}&to=${toMs}${reasonParams(reason)}`;
}

export function recordingsUrl(cameraId, fromMs, toMs) {
  return `/api/v1/cameras/${encodeURIComponent(cameraId)}/recordings?from=${fromMs}&to=${toMs}`;
}

export class PlaybackView {
  /**
   * @param {{ video: HTMLVideoElement, timeline: HTMLElement, gaps: HTMLElement,
   *           onState: (state: string, detail: string) => void }} elements
   */
  constructor({ video, timeline, gaps, onState }) {
    this.video = video;
    this.timeline = timeline;
    this.gaps = gaps;
    this.onState = onState;
    this.hls = null;
    this.currentState = 'idle';
    this.mediaRecovered = false;
    video.addEventListener('playing', () => this.#setState('playing'));
    video.addEventListener('ended', () => this.#setState('ended', '回放结束 End of range'));
  }

  /** Loads the timeline, then plays the playlist. Sets state 'error' and rethrows on failure. */
  async play(cameraId, fromMs, toMs, reason) {
    this.stop();
    this.#setState('loading');
    try {
      await this.#load(cameraId, fromMs, toMs, reason);
    } catch (error) {
      this.#setState('error', describeError(error));
      throw error;
    }
  }

  async #load(cameraId, fromMs, toMs, reason) {
    const recordings = await getJson(recordingsUrl(cameraId, fromMs, toMs));
    this.#renderTimeline(recordings, fromMs, toMs);
    // hls.js reports a refused playlist only as an HTTP status, so the playlist is fetched here first (surfacing the
    // API's own reason, e.g. a missing training record) and handed to hls.js as a blob: each request of a playlist
    // opens a register entry (R16.3), and one viewing should be one entry.
    const source = playlistUrl(cameraId, fromMs, toMs, reason);
    const text = await fetchText(source);
    const url = URL.createObjectURL(new Blob([absolutize(text, source)], { type: 'application/vnd.apple.mpegurl' }));
    const Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      this.mediaRecovered = false;
      const hls = new Hls({ enableWorker: true });
      this.hls = hls;
      hls.on(Hls.Events.ERROR, (_event, data) => this.#onHlsError(hls, data));
      hls.loadSource(url);
      hls.attachMedia(this.video);
    } else if (this.video.canPlayType('application/vnd.apple.mpegurl')) {
      this.video.src = url; // Safari plays HLS natively
    } else {
      throw new Error('hls.js 未加载，此浏览器也不能原生播放 HLS。 hls.js is not loaded and this browser cannot play HLS natively.');
    }
    this.video.play().catch(() => {
      // Autoplay may be refused until the user clicks; the controls remain for that.
    });
  }

  stop() {
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    this.video.removeAttribute('src');
    this.video.load();
    this.#setState('idle');
  }

  state() {
    return this.currentState;
  }

  framesDecoded() {
    const video = this.video;
    if (typeof video.getVideoPlaybackQuality === 'function') return video.getVideoPlaybackQuality().totalVideoFrames;
    return 0;
  }

  #onHlsError(hls, data) {
    if (this.hls !== hls || !data.fatal) return;
    const Hls = window.Hls;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !this.mediaRecovered) {
      this.mediaRecovered = true; // one retry: a decode hiccup at a discontinuity often recovers
      hls.recoverMediaError();
      return;
    }
    const status = data.response && data.response.code ? ` HTTP ${data.response.code}` : '';
    this.#setState('error', `回放失败 Playback failed: ${data.details}${status}`);
  }

  #renderTimeline(recordings, fromMs, toMs) {
    const span = Math.max(1, toMs - fromMs);
    const bar = this.timeline;
    bar.replaceChildren();
    const recorded = pickIntervals(recordings.runs).length ? pickIntervals(recordings.runs) : pickIntervals(recordings.segments);
    const place = (interval, className, title) => {
      const start = Math.max(fromMs, interval.startMs);
      const end = Math.min(toMs, interval.endMs);
      if (end <= start) return;
      const block = document.createElement('span');
      block.className = className;
      block.style.left = `${((start - fromMs) / span) * 100}%`;
      block.style.width = `${Math.max(0.2, ((end - start) / span) * 100)}%`;
      block.title = title;
      bar.append(block);
    };
    for (const run of recorded) {
      place(run, 'recorded', `录像 Recorded ${formatCstTime(run.startMs)}–${formatCstTime(run.endMs)}`);
    }
    const gaps = pickIntervals(recordings.gaps);
    for (const gap of gaps) {
      place(gap, 'gap', `缺口 Gap ${formatCstTime(gap.startMs)}–${formatCstTime(gap.endMs)} ${gap.cause ?? ''}`);
    }
    const items = gaps.map((gap) => {
      const li = document.createElement('li');
      li.textContent = `缺口 Gap ${formatCstTime(gap.startMs)}–${formatCstTime(gap.endMs)}：${gap.cause ?? '未知 unknown'}`;
      return li;
    });
    if (recorded.length === 0) {
      const li = document.createElement('li');
      li.textContent = '此时间段没有录像 No recordings in this range';
      items.unshift(li);
    }
    this.gaps.replaceChildren(...items);
  }

  #setState(state, detail = '') {
    this.currentState = state;
    this.onState(state, detail);
  }
}

function pickIntervals(list) {
  if (!Array.isArray(list)) return [];
  return list.filter((item) => item && Number.isFinite(item.startMs) && Number.isFinite(item.endMs));
}
