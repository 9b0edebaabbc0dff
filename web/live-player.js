// Live view in the browser: speaks the live hub's WebSocket protocol (src/media/live/protocol.ts) into Media Source
// Extensions. Owns one <video>, one socket and one MediaSource at a time; knows nothing of the page around it (state
// changes go to `onState`). Why each rule exists:
//   - SourceBuffer appends are asynchronous: messages are queued and appended one at a time on 'updateend'.
//   - Every init message rebuilds the MediaSource: a format change or a camera restart may change the codec and
//     restarts media time at zero, which a reused buffer would mix with the old timeline.
//   - The buffer behind the playhead is trimmed, and the queue is capped (past it we resubscribe, which restarts at
//     the cached GOP's keyframe): a long-open tab must not grow without bound.
//   - The hub skips a slow viewer forward to a keyframe, leaving a gap; the playhead jumps to the newest buffered
//     range, and to near its end whenever it falls too far behind the live edge.
//   - A codec this browser cannot decode (H.265 in Chromium without HEVC) is asked for again as the server's shared
//     H.264 transcode (`transcode=h264`), once, with a note saying so. The test is `isTypeSupported`, not the codec
//     family: a browser that does decode H.265 plays it directly and costs the server no CPU. If the server refuses
//     (its transcodes are all in use, or turned off) the refusal is shown as it came, not retried.

const KEEP_BEHIND_S = 10; // seconds kept behind the playhead (short rewinds by the user)
const TRIM_SLACK_S = 10; // trim only when this much more than KEEP_BEHIND_S has piled up (fewer remove() calls)
const MAX_LATENCY_S = 4; // behind the live edge by more than this: jump
const TARGET_LATENCY_S = 1; // where a jump lands, behind the live edge
const MAX_QUEUE_BYTES = 32 * 1024 * 1024;
const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000];

/** Close codes after which reconnecting would not help (refused by the server), shown to the user instead. */
const FINAL_CLOSE_CODES = new Set([1000, 1008, 4401, 4403, 4404]);
/** After an {"type":"error"} message every 4xxx close is a deliberate refusal, except 4500 (a server fault: retry). */
const RETRYABLE_REFUSAL = 4500;

export const TRANSCODED_NOTE = '已转码为 H.264 Transcoded to H.264';

/** Chinese for the refusals the page can meet when it asks for a transcode; the server's message follows in English. */
const REFUSAL_TEXT = {
  transcode_limit: '服务器的实时转码路数已满，请稍后再试',
  transcode_disabled: '此服务器未开启实时转码',
};

export class LivePlayer {
  /**
   * @param {HTMLVideoElement} video
   * @param {(state: string, detail: string) => void} onState
   * @param {(note: string) => void} [onNote] a short line about how the video reaches the page ('' for none)
   */
  constructor(video, onState, onNote = () => {}) {
    this.video = video;
    this.onState = onState;
    this.onNote = onNote;
    this.currentState = 'idle';
    this.socket = null;
    this.url = null;
    this.media = null; // { source, buffer, queue, queuedBytes, mime } of the current init
    this.framesBefore = 0; // frames decoded by earlier MediaSources of this page
    this.retry = 0;
    this.retryTimer = null;
    this.unsupported = false;
    this.transcoding = false; // this connection asks for the H.264 transcode
    this.sourceInit = null; // the init message of the stream this browser could not decode
    this.refusal = null; // the server's last {"type":"error"} message on this connection
    video.addEventListener('playing', () => {
      if (this.socket && this.currentState !== 'ended') this.#setState('playing');
    });
    video.addEventListener('waiting', () => this.#chaseLiveEdge());
  }

  /** Connects to a live URL (ws:// or wss://), replacing any current connection. */
  start(url) {
    this.stop();
    this.url = url;
    this.transcoding = false;
    this.sourceInit = null;
    this.retry = 0;
    this.#connect();
  }

  stop() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.url = null;
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close(1000, 'viewer left');
    }
    this.#detachMedia();
    this.onNote('');
    this.#setState('idle');
  }

  state() {
    return this.currentState;
  }

  framesDecoded() {
    return this.framesBefore + currentFrames(this.video);
  }

  #connect() {
    this.#setState(this.retry === 0 ? 'connecting' : 'reconnecting');
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.refusal = null;
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      if (typeof event.data === 'string') this.#onText(event.data);
      else this.#onBinary(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return; // closed by us
      this.socket = null;
      this.#onClosed(event.code, event.reason);
    };
  }

  #onText(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      this.#setState('error', `无法解析服务器消息 Unreadable server message: ${text.slice(0, 80)}`);
      return;
    }
    if (message.type === 'init') this.#onInit(message);
    else if (message.type === 'waiting') this.#setState('waiting');
    else if (message.type === 'error') this.refusal = message; // the close that follows says it is final
    else if (message.type === 'ended') {
      this.#detachMedia();
      this.#setState('ended', message.reason ?? '');
    }
  }

  #onInit(message) {
    this.#detachMedia();
    const mime = `video/mp4; codecs="${message.codec}"`;
    this.unsupported = !window.MediaSource || !MediaSource.isTypeSupported(mime);
    if (this.unsupported && window.MediaSource && !this.transcoding) {
      this.#switchToTranscode(message);
      return;
    }
    if (this.unsupported) {
      // Stop the transfer: nothing here can decode it (not even the transcode), and reconnecting will not change that.
      const socket = this.socket;
      this.socket = null;
      this.url = null;
      socket?.close(1000, 'codec not supported');
      this.#setState('unsupported', unsupportedText(this.sourceInit ?? message, null));
      return;
    }
    this.onNote(this.transcoding ? TRANSCODED_NOTE : '');
    const source = new MediaSource();
    const media = { source, buffer: null, queue: [], queuedBytes: 0, mime, started: false };
    this.media = media;
    source.addEventListener('sourceopen', () => this.#onSourceOpen(media), { once: true });
    this.video.src = URL.createObjectURL(source);
    this.#setState('connecting', `${message.codec} ${message.width}×${message.height}`);
  }

  /** Asks the server for the stream's H.264 transcode instead (same camera and stream, `transcode=h264`). */
  #switchToTranscode(message) {
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'switching to the H.264 transcode');
    const url = new URL(this.url);
    url.searchParams.set('transcode', 'h264');
    this.url = url.href;
    this.transcoding = true;
    this.sourceInit = message;
    this.retry = 0;
    this.#connect();
    this.#setState('connecting', `转码为 H.264 Transcoding ${message.codec} to H.264`);
  }

  #onSourceOpen(media) {
    if (this.media !== media) return;
    URL.revokeObjectURL(this.video.src);
    try {
      media.buffer = media.source.addSourceBuffer(media.mime);
    } catch (error) {
      this.#setState('error', `无法创建解码缓冲 Cannot create the decoder buffer: ${error.message}`);
      return;
    }
    media.buffer.addEventListener('updateend', () => this.#afterUpdate(media));
    media.buffer.addEventListener('error', () => this.#setState('error', '解码缓冲出错 Decoder buffer error'));
    this.#pump(media);
  }

  #onBinary(data) {
    const media = this.media;
    if (!media || this.unsupported) return;
    media.queue.push(data);
    media.queuedBytes += data.byteLength;
    if (media.queuedBytes > MAX_QUEUE_BYTES) {
      // The page cannot keep up (hidden tab, slow machine): resubscribe, which restarts at a keyframe.
      this.#resync();
      return;
    }
    this.#pump(media);
  }

  #pump(media) {
    const buffer = media.buffer;
    if (this.media !== media || !buffer || buffer.updating || media.source.readyState !== 'open') return;
    if (this.#trim(media, KEEP_BEHIND_S + TRIM_SLACK_S, KEEP_BEHIND_S)) return;
    const chunk = media.queue.shift();
    if (!chunk) return;
    media.queuedBytes -= chunk.byteLength;
    try {
      buffer.appendBuffer(chunk);
    } catch (error) {
      if (error.name === 'QuotaExceededError') {
        media.queue.unshift(chunk);
        media.queuedBytes += chunk.byteLength;
        if (!this.#trim(media, 1, 1)) this.#resync();
        return;
      }
      this.#setState('error', `追加视频失败 Append failed: ${error.message}`);
    }
  }

  /** Removes what lies more than `whenBehindS` behind the playhead, down to `keepS`. True if a remove started. */
  #trim(media, whenBehindS, keepS) {
    const ranges = media.buffer.buffered;
    if (ranges.length === 0) return false;
    const now = this.video.currentTime;
    const start = ranges.start(0);
    if (now - start <= whenBehindS) return false;
    media.buffer.remove(start, now - keepS);
    return true;
  }

  #afterUpdate(media) {
    if (this.media !== media) return;
    this.#chaseLiveEdge();
    if (!media.started && media.buffer.buffered.length > 0) {
      media.started = true;
      this.video.play().catch((error) => {
        // A newer load (a resync, the transcode taking over, another camera) interrupts this play() with an
        // AbortError: not a refusal, and the new media starts itself. Only a real refusal (NotAllowedError) is shown.
        if (error.name === 'AbortError' || this.media !== media) return;
        this.#setState('error', `浏览器阻止了自动播放 Autoplay blocked: ${error.message}`);
      });
    }
    this.#pump(media);
  }

  /** Keeps the playhead in the newest buffered range and near its end. */
  #chaseLiveEdge() {
    const media = this.media;
    if (!media || !media.buffer || media.buffer.updating) return;
    const ranges = media.buffer.buffered;
    if (ranges.length === 0) return;
    const last = ranges.length - 1;
    const start = ranges.start(last);
    const end = ranges.end(last);
    const now = this.video.currentTime;
    if (now < start || end - now > MAX_LATENCY_S) {
      this.video.currentTime = Math.max(start, end - TARGET_LATENCY_S);
    }
  }

  #resync() {
    const url = this.url;
    if (!url) return;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'resync');
    this.#detachMedia();
    this.url = url;
    this.#connect();
  }

  #onClosed(code, reason) {
    this.#detachMedia();
    if (!this.url) return;
    const refusal = this.refusal;
    this.refusal = null;
    if (refusal && code >= 4000 && code !== RETRYABLE_REFUSAL) {
      this.url = null;
      this.onNote('');
      if (this.transcoding && this.sourceInit) this.#setState('unsupported', unsupportedText(this.sourceInit, { ...refusal, status: code - 4000 }));
      else this.#setState('error', `服务器拒绝 Server refused: ${describeRefusal({ ...refusal, status: code - 4000 })}`);
      return;
    }
    if (FINAL_CLOSE_CODES.has(code)) {
      this.#setState('error', `服务器关闭了连接 Server closed the connection: ${reason || code}`);
      return;
    }
    const delay = RETRY_DELAYS_MS[Math.min(this.retry, RETRY_DELAYS_MS.length - 1)];
    this.retry++;
    this.#setState('reconnecting', `连接断开 Connection lost (${code}${reason ? ` ${reason}` : ''})`);
    this.retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #detachMedia() {
    if (!this.media) return;
    this.framesBefore += currentFrames(this.video);
    this.media = null;
    this.video.removeAttribute('src');
    this.video.load();
  }

  #setState(state, detail = '') {
    if (state === 'playing') this.retry = 0;
    this.currentState = state;
    this.onState(state, detail);
  }
}

function currentFrames(video) {
  if (typeof video.getVideoPlaybackQuality === 'function') return video.getVideoPlaybackQuality().totalVideoFrames;
  return video.webkitDecodedFrameCount ?? 0;
}

/** The server's refusal as one line: its message, code and HTTP status (as web/api.js describes API errors). */
function describeRefusal(refusal) {
  const article = refusal.article ? ` · 依据 Article ${refusal.article}` : '';
  return `${refusal.message} (${refusal.error} · HTTP ${refusal.status}${article})`;
}

/** Why this stream cannot be shown here: the codec, and why the transcode is not available when it was refused. */
function unsupportedText(message, refusal) {
  const what = message.codecFamily === 'h265' ? `H.265 (HEVC, ${message.codec})` : message.codec;
  if (!window.MediaSource) {
    return `此浏览器不支持 Media Source Extensions，无法播放实时视频。 This browser has no Media Source Extensions and cannot play live video.`;
  }
  if (refusal) {
    const zh = REFUSAL_TEXT[refusal.error] ?? '服务器拒绝了转码请求';
    return (
      `此浏览器无法解码 ${what} 视频，服务器也无法为其转码为 H.264：${zh}。` +
      ` This browser cannot decode ${what} video, and the server cannot transcode it to H.264 now: ${describeRefusal(refusal)}`
    );
  }
  return `此浏览器无法解码 ${what} 视频。 This browser cannot decode ${what} video.`;
}
