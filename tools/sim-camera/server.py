#!/usr/bin/python3
"""Simulated RTSP cameras: GStreamer's RTSP server (GstRtspServer via python3-gi) serving N mounts.

Owns the RTSP side of tools/sim-camera. Node (index.ts) starts this as a child process; Node owns clip
encoding and caching, this process owns serving. Protocol (one JSON object per line):

  argv:   --config FILE | --config-json JSON
          {"port": 0, "auth": {"user": "u", "password": "p", "method": "basic|digest"} | null,
           "streams": [{"name": "cam1", "kind": "clip", "codec": "h264|h265|mjpeg", "clip": "/abs/clip.mp4"},
                       {"name": "wall", "kind": "live", "width": 1280, "height": 720, "fps": 25,
                        "bitrateKbps": 2000, "gopFrames": 50, "label": "wall clock"}]}
  stdout: {"event": "ready", "port": 8554, "pid": 123}
          {"event": "ack", "id": 1, "ok": true} | {"event": "ack", "id": 1, "ok": false, "error": "..."}
          {"event": "error", "message": "..."}            (fatal, before ready; then exit 1)
  stdin:  {"cmd": "stop", "name": "cam1", "id": 1}   remove the mount and close its clients' connections
          {"cmd": "start", "name": "cam1", "id": 2}  mount it again
          EOF                                        exit (so this never outlives the Node parent)

Why clips are fed through appsrc instead of `filesrc ! qtdemux`: a camera is a *live* source. A filesrc pipeline
is seekable and finite, so (a) every client's `PLAY Range: npt=0-` would seek the shared pipeline back to the
start under the other clients, and (b) the clip ends with EOS. Here each clip is demuxed and parsed once into
memory (a list of access units, shared by every mount that uses the clip), and each media's `appsrc is-live=true`
replays it forever with timestamps offset by one clip length per loop: timestamps (and so RTP timestamps) stay
continuous across loop points, the media is live (not seekable: clients join mid-stream like a real camera), and
`clocksync` releases each frame at its own time. That pacing must happen at the source, not only at the sinks:
rtsp-stream queues up to 1 s behind the payloader, and a source running ahead into that queue makes rtpbin's
RTCP sender reports map RTP time to the wrong wall time, which clients (ffmpeg) turn into timestamp jumps. The
clip starts with an IDR frame and is a whole number of GOPs long,
so the loop point is just another keyframe. Cost is one Python callback per second of video.
"""

import json
import os
import re
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Parse chains used once per clip when it is loaded: they turn the mp4's samples into self-contained access
# units (byte-stream with parameter sets before every keyframe, so a client joining at any keyframe can decode).
PARSE = {
    "h264": "h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au",
    "h265": "h265parse config-interval=-1 ! video/x-h265,stream-format=byte-stream,alignment=au",
    "mjpeg": "jpegparse ! image/jpeg",
}
COPY_SHALLOW = (
    Gst.BufferCopyFlags.FLAGS | Gst.BufferCopyFlags.TIMESTAMPS | Gst.BufferCopyFlags.META | Gst.BufferCopyFlags.MEMORY
)
PAY = {
    "h264": "rtph264pay name=pay0 pt=96 config-interval=0",
    "h265": "rtph265pay name=pay0 pt=96 config-interval=0",
    "mjpeg": "rtpjpegpay name=pay0 pt=26",
}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def log(msg):
    sys.stderr.write(f"sim-camera: {msg}\n")
    sys.stderr.flush()


class Clip:
    """A pre-encoded clip held in memory as parsed access units, shared by every mount that plays it."""

    def __init__(self, path, codec):
        if codec not in PARSE:
            raise ValueError(f"unknown codec {codec!r}")
        if not os.path.isfile(path):
            raise ValueError(f"clip not found: {path}")
        pipeline = Gst.parse_launch(
            f"filesrc name=src ! qtdemux ! {PARSE[codec]} ! appsink name=sink sync=false"
        )
        pipeline.get_by_name("src").set_property("location", path)
        sink = pipeline.get_by_name("sink")
        bus = pipeline.get_bus()
        pipeline.set_state(Gst.State.PLAYING)
        self.buffers = []
        self.caps = None
        idle = 0
        try:
            # try-pull with a timeout, not pull-sample: after an upstream error appsink never sees EOS and a
            # blocking pull would hang the server before it ever says "ready".
            while not sink.get_property("eos"):
                bus_error = bus.pop_filtered(Gst.MessageType.ERROR)
                if bus_error is not None:
                    err, _dbg = bus_error.parse_error()
                    raise ValueError(f"cannot read clip {path}: {err.message}")
                sample = sink.emit("try-pull-sample", Gst.SECOND // 10)
                if sample is None:
                    idle += 1
                    if idle > 100:
                        raise ValueError(f"reading clip {path} stalled")
                    continue
                idle = 0
                self.caps = sample.get_caps()
                self.buffers.append(sample.get_buffer())
        finally:
            pipeline.set_state(Gst.State.NULL)
        if not self.buffers or self.caps is None:
            raise ValueError(f"clip has no {codec} frames: {path}")
        s = self.caps.get_structure(0)
        ok, num, den = s.get_fraction("framerate")
        if not ok or num <= 0:
            raise ValueError(f"clip has no frame rate: {path}")
        self.frame_ns = Gst.util_uint64_scale_int(Gst.SECOND, den, num)
        self.first_pts = self.buffers[0].pts
        # One loop lasts from the first frame to the end of the last one; the next loop's first frame follows
        # exactly one frame after the last, which is what keeps the timeline continuous.
        self.loop_ns = self.buffers[-1].pts - self.first_pts + self.frame_ns
        self.codec = codec
        self.batch = max(1, min(len(self.buffers), Gst.SECOND // self.frame_ns))


class Feeder:
    """Per-media replay state: which access unit comes next and how many loops have been played."""

    def __init__(self, clip):
        self.clip = clip
        self.index = 0
        self.loop = 0

    def on_need_data(self, src, _length):
        # A second of frames per call: appsrc queues them and clocksync lets each out at its time. One Python
        # call per frame instead costs about half as much again as the whole rest of the stream (measured).
        for _ in range(self.clip.batch):
            self.push_one(src)

    def push_one(self, src):
        clip = self.clip
        orig = clip.buffers[self.index]
        # A new buffer sharing the frame's memory. Not orig.copy(): in PyGObject that is the boxed copy, which for
        # a GstBuffer is just another reference, and setting its timestamps would rewrite the clip itself.
        buf = orig.copy_region(COPY_SHALLOW, 0, orig.get_size())
        offset = self.loop * clip.loop_ns - clip.first_pts
        buf.pts = orig.pts + offset
        buf.dts = orig.dts + offset if orig.dts != Gst.CLOCK_TIME_NONE else buf.pts
        buf.duration = clip.frame_ns
        if self.index == 0 and self.loop > 0:
            # The loop point is not a discontinuity for anyone downstream.
            buf.unset_flags(Gst.BufferFlags.DISCONT)
        self.index += 1
        if self.index == len(clip.buffers):
            self.index = 0
            self.loop += 1
        src.emit("push-buffer", buf)


def make_clip_factory(clip):
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( appsrc name=src is-live=true format=time do-timestamp=false ! clocksync ! {PAY[clip.codec]} )"
    )

    def on_configure(_factory, media):
        src = media.get_element().get_by_name("src")
        src.set_property("caps", clip.caps)
        feeder = Feeder(clip)
        src.connect("need-data", feeder.on_need_data)
        # Keep the feeder alive as long as the media.
        media._sim_feeder = feeder  # pylint: disable=protected-access

    factory.connect("media-configure", on_configure)
    return factory


def make_live_factory(spec):
    """A really encoded stream with the wall clock burnt in, for tests where the picture's clock must be real."""
    width, height, fps = int(spec["width"]), int(spec["height"]), int(spec.get("fps", 25))
    kbps, gop = int(spec.get("bitrateKbps", 2000)), int(spec.get("gopFrames", fps * 2))
    # Noto Sans CJK (fonts-noto-cjk) so Chinese labels render; sized to the picture like the clips' text.
    font = f"Noto Sans CJK SC {max(8, height // 20)}"
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        "( videotestsrc is-live=true pattern=smpte ! "
        f"video/x-raw,width={width},height={height},framerate={fps}/1 ! "
        f'clockoverlay time-format="%Y-%m-%d %H:%M:%S" halignment=right valignment=top font-desc="{font}" ! '
        f'textoverlay name=label halignment=left valignment=top font-desc="{font}" ! videoconvert ! '
        f"x264enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={gop} bframes=0 ! "
        "video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! "
        f"{PAY['h264']} )"
    )
    label = str(spec.get("label") or spec["name"])

    def on_configure(_factory, media):
        media.get_element().get_by_name("label").set_property("text", label)

    factory.connect("media-configure", on_configure)
    return factory


class Server:
    def __init__(self, config):
        self.loop = GLib.MainLoop()
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address("127.0.0.1")
        self.server.set_service(str(int(config.get("port") or 0)))
        self.mounts = self.server.get_mount_points()
        self.auth = config.get("auth")
        if self.auth:
            auth = GstRtspServer.RTSPAuth()
            token = GstRtspServer.RTSPToken()
            token.set_string("media.factory.role", "viewer")
            if self.auth.get("method", "basic") == "digest":
                # RFC 2069-style Digest (MD5, no qop), the only kind GstRtspServer offers; Basic is then refused.
                auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
                auth.add_digest(self.auth["user"], self.auth["password"], token)
            else:
                basic = GstRtspServer.RTSPAuth.make_basic(self.auth["user"], self.auth["password"])
                auth.add_basic(basic, token)
            self.server.set_auth(auth)
        self.specs = {}
        self.mounted = set()
        clips = {}
        for spec in config["streams"]:
            name = spec["name"]
            if not NAME_RE.match(name):
                raise ValueError(f"bad stream name {name!r}")
            if name in self.specs:
                raise ValueError(f"duplicate stream name {name!r}")
            if spec.get("kind", "clip") == "clip":
                key = (spec["clip"], spec.get("codec", "h264"))
                if key not in clips:
                    clips[key] = Clip(*key)
                spec = dict(spec, _clip=clips[key])
            self.specs[name] = spec
            self.mount(name)

    def make_factory(self, spec):
        if spec.get("kind", "clip") == "live":
            factory = make_live_factory(spec)
        else:
            factory = make_clip_factory(spec["_clip"])
        # One pipeline per mount however many clients: that is what keeps 32+ streams cheap, and it is how a
        # camera behaves (every viewer sees the same live stream).
        factory.set_shared(True)
        if self.auth:
            perms = GstRtspServer.RTSPPermissions()
            perms.add_permission_for_role("viewer", "media.factory.access", True)
            perms.add_permission_for_role("viewer", "media.factory.construct", True)
            factory.set_permissions(perms)
        return factory

    def mount(self, name):
        # A fresh factory on every (re)mount, so a restarted stream never reuses the stopped stream's media.
        self.mounts.add_factory("/" + name, self.make_factory(self.specs[name]))
        self.mounted.add(name)

    def stop(self, name):
        path = "/" + name
        self.mounts.remove_factory(path)
        self.mounted.discard(name)

        def has_media(session):
            media, matched = session.get_media(path)
            return media is not None and matched == len(path)

        def client_filter(_server, client, _data):
            hit = []

            def session_filter(_client, session, _d):
                if has_media(session):
                    hit.append(session)
                return GstRtspServer.RTSPFilterResult.KEEP

            client.session_filter(session_filter, None)
            # REMOVE closes the client's connection: a TCP-interleaved reader sees the stream die at once.
            return GstRtspServer.RTSPFilterResult.REMOVE if hit else GstRtspServer.RTSPFilterResult.KEEP

        self.server.client_filter(client_filter, None)

        # Sessions outlive connections (RTSP sessions time out on their own), and a UDP client's session has no
        # connection to close: drop the sessions too, which tears down the shared media.
        def pool_filter(_pool, session, _data):
            return GstRtspServer.RTSPFilterResult.REMOVE if has_media(session) else GstRtspServer.RTSPFilterResult.KEEP

        self.server.get_session_pool().filter(pool_filter, None)

    def handle(self, line):
        try:
            msg = json.loads(line)
        except ValueError:
            log(f"ignoring non-JSON command line: {line!r}")
            return
        cid = msg.get("id")
        cmd, name = msg.get("cmd"), msg.get("name")
        try:
            if name not in self.specs:
                raise ValueError(f"unknown stream {name!r}")
            if cmd == "stop":
                self.stop(name)
            elif cmd == "start":
                if name not in self.mounted:  # idempotent: a running stream and its clients are left alone
                    self.mount(name)
            else:
                raise ValueError(f"unknown command {cmd!r}")
            emit({"event": "ack", "id": cid, "ok": True})
        except Exception as e:  # noqa: BLE001 -- report every failure to the parent instead of dying
            emit({"event": "ack", "id": cid, "ok": False, "error": str(e)})

    def run(self):
        if self.server.attach(None) == 0:
            raise RuntimeError("cannot bind the RTSP port")
        pending = b""

        def on_stdin(_fd, _cond):
            nonlocal pending
            try:
                data = os.read(0, 65536)
            except OSError:
                data = b""
            if not data:
                self.loop.quit()  # parent gone or closed our stdin: stop serving
                return False
            pending += data
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                if raw.strip():
                    self.handle(raw.decode("utf-8", "replace"))
            return True

        GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, 0, GLib.IOCondition.IN | GLib.IOCondition.HUP, on_stdin)
        for sig in (signal.SIGTERM, signal.SIGINT):
            GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, self.loop.quit)
        emit({"event": "ready", "port": self.server.get_bound_port(), "pid": os.getpid()})
        self.loop.run()


def read_config(argv):
    if len(argv) == 3 and argv[1] == "--config":
        with open(argv[2], encoding="utf-8") as f:
            return json.load(f)
    if len(argv) == 3 and argv[1] == "--config-json":
        return json.loads(argv[2])
    raise ValueError("usage: server.py --config FILE | --config-json JSON")


def main():
    Gst.init(None)
    try:
        server = Server(read_config(sys.argv))
        server.run()
    except Exception as e:  # noqa: BLE001 -- the parent waits for a JSON line, so always give it one
        emit({"event": "error", "message": str(e)})
        sys.stdout.flush()
        os._exit(1)
    # Skip interpreter teardown: streaming threads may still hold pipelines, and nothing needs saving.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
