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

const KEEP_BEHIND_S = 10; // seconds kept behind the playhead (short rewinds by the user)
const TRIM_SLACK_S = 10; // trim only when this much more than KEEP_BEHIND_S has piled up (fewer remove() calls)
const MAX_LATENCY_S = 4; // behind the live edge by more than this: jump
const TARGET_LATENCY_S = 1; // where a jump lands, behind the live edge
const MAX_QUEUE_BYTES = 32 * 1024 * 1024;
const RETRY_DELAYS_MS = [1000, 2000, 5000, 10000];

/** Close codes after which reconnecting would not help (refused by the server), shown to the user instead. */
const FINAL_CLOSE_CODES = new Set([1000, 1008, 4401, 4403, 4404]);

export class LivePlayer {
  /**
   * @param {HTMLVideoElement} video
   * @param {(state: string, detail: string) => void} onState
   */
  constructor(video, onState) {
    this.video = video;
    this.onState = onState;
    this.currentState = 'idle';
    this.socket = null;
    this.url = null;
    this.media = null; // { source, buffer, queue, queuedBytes, mime } of the current init
    this.framesBefore = 0; // frames decoded by earlier MediaSources of this page
    this.retry = 0;
    this.retryTimer = null;
    this.unsupported = false;
    video.addEventListener('playing', () => {
      if (this.socket && this.currentState !== 'ended') this.#setState('playing');
    });
    video.addEventListener('waiting', () => this.#chaseLiveEdge());
  }

  /** Connects to a live URL (ws:// or wss://), replacing any current connection. */
  start(url) {
    this.stop();
    this.url = url;
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
    else if (message.type === 'ended') {
      this.#detachMedia();
      this.#setState('ended', message.reason ?? '');
    }
  }

  #onInit(message) {
    this.#detachMedia();
    const mime = `video/mp4; codecs="${message.codec}"`;
    this.unsupported = !window.MediaSource || !MediaSource.isTypeSupported(mime);
    if (this.unsupported) {
      // Stop the transfer: nothing here can decode it, and the viewer must pick another stream anyway.
      const socket = this.socket;
      this.socket = null;
      this.url = null;
      socket?.close(1000, 'codec not supported');
      this.#setState('unsupported', unsupportedText(message));
      return;
    }
    const source = new MediaSource();
    const media = { source, buffer: null, queue: [], queuedBytes: 0, mime, started: false };
    this.media = media;
    source.addEventListener('sourceopen', () => this.#onSourceOpen(media), { once: true });
    this.video.src = URL.createObjectURL(source);
    this.#setState('connecting', `${message.codec} ${message.width}×${message.height}`);
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

function unsupportedText(message) {
  if (message.codecFamily === 'h265') {
    return (
      `此浏览器无法解码 H.265 (HEVC, ${message.codec}) 视频。请在"码流 Stream"中选择摄像机的 H.264 子码流，或请管理员开启转码。` +
      ` This browser cannot decode H.265 (HEVC, ${message.codec}) video. Choose the camera's H.264 sub-stream under` +
      ` "Stream", or ask an administrator to enable transcoding.`
    );
  }
  return `此浏览器不支持视频编码 ${message.codec}。 This browser does not support the video codec ${message.codec}.`;
}
