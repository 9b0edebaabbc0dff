import { describe, expect, it } from 'vitest';
import { decodeSpropParameterSets, parseSdp, resolveControl } from './sdp.js';

// Captured by hand from tools/sim-camera (GStreamer 1.22's RTSP server, 320x240 10 fps clips), DESCRIBE answered
// with `Content-Base: rtsp://127.0.0.1:45573/h264/` (…/h265/, …/mjpeg/).
const SIM_H264 = [
  'v=0',
  'o=- 2036135935558104 1 IN IP4 127.0.0.1',
  's=Session streamed with GStreamer',
  'i=rtsp-server',
  't=0 0',
  'a=tool:GStreamer',
  'a=type:broadcast',
  'a=control:*',
  'a=range:npt=now-',
  'm=video 0 RTP/AVP 96',
  'c=IN IP4 0.0.0.0',
  'a=rtpmap:96 H264/90000',
  'a=framerate:10',
  'a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LADNoFB+wEQAAAAwBAAAAFGAgASTwAEk/kcYB4oVU=,aM48gA==',
  'a=control:stream=0',
  'a=ts-refclk:local',
  'a=mediaclk:sender',
  'a=ssrc:2444686544 cname:user2484172178@host-354bfa7b',
  '',
].join('\r\n');

const SIM_H265 = [
  'v=0',
  'o=- 8289051793975475802 1 IN IP4 127.0.0.1',
  's=Session streamed with GStreamer',
  'i=rtsp-server',
  't=0 0',
  'a=tool:GStreamer',
  'a=type:broadcast',
  'a=control:*',
  'a=range:npt=now-',
  'm=video 0 RTP/AVP 96',
  'c=IN IP4 0.0.0.0',
  'a=rtpmap:96 H265/90000',
  'a=framerate:10',
  'a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8ugJA;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbpKTC8BaAgAAAAwCAAAAFBA==;sprop-pps=RAHAc8GJ',
  'a=control:stream=0',
  'a=ts-refclk:local',
  'a=mediaclk:sender',
  'a=ssrc:3590912388 cname:user1843063263@host-72d76e2c',
  '',
].join('\r\n');

const SIM_MJPEG = [
  'v=0',
  'o=- 14790710896569078407 1 IN IP4 127.0.0.1',
  's=Session streamed with GStreamer',
  't=0 0',
  'a=control:*',
  'm=video 0 RTP/AVP 26',
  'c=IN IP4 0.0.0.0',
  'a=rtpmap:26 JPEG/90000',
  'a=framerate:10.000000',
  'a=control:stream=0',
  '',
].join('\r\n');

// Hikvision-like (modelled on published DESCRIBE captures of DS-2CD cameras): session-level absolute control with a
// query, absolute per-track URLs, spaces after ';' in fmtp, an ONVIF metadata track after the video.
const HIKVISION_LIKE = `v=0
o=- 1109162014219182 1109162014219192 IN IP4 192.168.1.64
s=Media Presentation
e=NONE
b=AS:5050
t=0 0
a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast
m=video 0 RTP/AVP 96
c=IN IP4 0.0.0.0
b=AS:5000
a=recvonly
a=x-dimensions:1920,1080
a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast
a=rtpmap:96 H264/90000
a=fmtp:96 profile-level-id=420029; packetization-mode=1; sprop-parameter-sets=Z0LADNoFB+wEQAAAAwBAAAAFGAgASTwAEk/kcYB4oVU=,aM48gA==
a=Media_header:MEDIAINFO=494D4B48010300000400000100000000000000000000000000000000000000000000000000000000;
a=appversion:1.0
m=application 0 RTP/AVP 107
c=IN IP4 0.0.0.0
b=AS:50
a=recvonly
a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=3?transportmode=unicast
a=rtpmap:107 isapi.metadata/90000
`;

// Dahua-like H.265 main stream: `a=control:*`, relative track IDs, audio first, upper-case fmtp keys, and (see the
// test) a Content-Base that ends in a query followed by '/'.
const DAHUA_LIKE_H265 = `v=0
o=- 2251939863 2251939863 IN IP4 0.0.0.0
s=Media Server
c=IN IP4 0.0.0.0
t=0 0
a=control:*
a=packetization-supported:DH
a=rtppayload-supported:DH
a=range:npt=now-
m=audio 0 RTP/AVP 8
a=control:trackID=1
a=rtpmap:8 PCMA/8000
a=recvonly
m=video 0 RTP/AVP 98
a=control:trackID=0
a=framerate:25.000000
a=rtpmap:98 h265/90000
a=fmtp:98 profile-id=1;Sprop-SPS=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbpKTC8BaAgAAAAwCAAAAFBA==;sprop-pps=RAHAc8GJ;sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8ugJA
a=recvonly
`;

describe('parseSdp', () => {
  it('reads the simulator H.264 SDP (Content-Base with a trailing slash, a=control:*)', () => {
    const d = parseSdp(SIM_H264, 'rtsp://127.0.0.1:45573/h264/');
    expect(d).toEqual({
      control: 'rtsp://127.0.0.1:45573/h264/',
      video: [{
        payloadType: 96,
        encoding: 'H264',
        clockRate: 90000,
        fmtp: { 'packetization-mode': '1', 'sprop-parameter-sets': 'Z0LADNoFB+wEQAAAAwBAAAAFGAgASTwAEk/kcYB4oVU=,aM48gA==' },
        control: 'rtsp://127.0.0.1:45573/h264/stream=0',
      }],
    });
  });

  it('reads the simulator H.265 SDP with its three sprop parameters', () => {
    const [v] = parseSdp(SIM_H265, 'rtsp://127.0.0.1:45573/h265/').video;
    expect(v?.encoding).toBe('H265');
    expect(Object.keys(v?.fmtp ?? {})).toEqual(['sprop-vps', 'sprop-sps', 'sprop-pps']);
    expect(v?.control).toBe('rtsp://127.0.0.1:45573/h265/stream=0');
    // NAL unit types 32/33/34 (VPS/SPS/PPS): the first byte's bits 1-6.
    const types = ['sprop-vps', 'sprop-sps', 'sprop-pps'].map((k) => ((decodeSpropParameterSets(v?.fmtp[k] ?? '')[0]?.[0] ?? 0) >> 1) & 0x3f);
    expect(types).toEqual([32, 33, 34]);
  });

  it('reads MJPEG as encoding JPEG on static payload type 26, with or without rtpmap', () => {
    expect(parseSdp(SIM_MJPEG, 'rtsp://h/mjpeg/').video[0]).toMatchObject({ payloadType: 26, encoding: 'JPEG', clockRate: 90000, fmtp: {} });
    const noRtpmap = SIM_MJPEG.replace('a=rtpmap:26 JPEG/90000\r\n', '');
    expect(parseSdp(noRtpmap, 'rtsp://h/mjpeg/').video[0]).toMatchObject({ payloadType: 26, encoding: 'JPEG', clockRate: 90000 });
  });

  it('uses absolute track URLs as they are and the session-level control as the aggregate URL (Hikvision-like)', () => {
    const d = parseSdp(HIKVISION_LIKE, 'rtsp://192.168.1.64:554/Streaming/Channels/101/');
    expect(d.control).toBe('rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast');
    expect(d.video).toHaveLength(1); // the metadata track is not video
    expect(d.video[0]).toMatchObject({
      payloadType: 96,
      encoding: 'H264',
      control: 'rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast',
      fmtp: { 'profile-level-id': '420029', 'packetization-mode': '1' },
    });
  });

  it('appends relative track IDs to a Content-Base that ends in a query (Dahua-like), skipping audio', () => {
    const base = 'rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/';
    const d = parseSdp(DAHUA_LIKE_H265, base);
    expect(d.control).toBe(base);
    expect(d.video).toEqual([{
      payloadType: 98,
      encoding: 'H265',
      clockRate: 90000,
      fmtp: {
        'profile-id': '1',
        'sprop-sps': 'QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbpKTC8BaAgAAAAwCAAAAFBA==',
        'sprop-pps': 'RAHAc8GJ',
        'sprop-vps': 'QAEMAf//AWAAAAMAkAAAAwAAAwA8ugJA',
      },
      control: 'rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/trackID=0',
    }]);
  });

  it('resolves against the request URL when there is no Content-Base (one slash between)', () => {
    const sdp = 'v=0\ns=x\nt=0 0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\na=control:trackID=1\n';
    const d = parseSdp(sdp, 'rtsp://10.0.0.2/live/ch1');
    expect(d.control).toBe('rtsp://10.0.0.2/live/ch1');
    expect(d.video[0]?.control).toBe('rtsp://10.0.0.2/live/ch1/trackID=1');
  });

  it('resolves media controls against an absolute session-level control', () => {
    const sdp = 'v=0\na=control:rtsp://10.0.0.2/agg\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\na=control:video\n';
    const d = parseSdp(sdp, 'rtsp://10.0.0.2/other/');
    expect(d).toMatchObject({ control: 'rtsp://10.0.0.2/agg', video: [{ control: 'rtsp://10.0.0.2/agg/video' }] });
  });

  it('addresses a media without a=control by the aggregate URL', () => {
    const d = parseSdp('v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\n', 'rtsp://h/s');
    expect(d.video[0]?.control).toBe('rtsp://h/s');
  });

  it('takes the first listed payload type of a multi-format m= line, and every video section in order', () => {
    const sdp = [
      'v=0', 'm=video 0 RTP/AVP 97 96', 'a=rtpmap:96 H264/90000', 'a=rtpmap:97 H265/90000', 'a=fmtp:96 packetization-mode=1',
      'a=control:trackID=1', 'm=video 0 RTP/AVP 26', 'a=control:trackID=2',
    ].join('\n');
    const d = parseSdp(sdp, 'rtsp://h/s/');
    expect(d.video.map((v) => [v.payloadType, v.encoding, v.fmtp, v.control])).toEqual([
      [97, 'H265', {}, 'rtsp://h/s/trackID=1'],
      [26, 'JPEG', {}, 'rtsp://h/s/trackID=2'],
    ]);
  });

  it('returns no video for an audio-only or empty description', () => {
    expect(parseSdp('v=0\nm=audio 0 RTP/AVP 0\na=control:trackID=1\n', 'rtsp://h/').video).toEqual([]);
    expect(parseSdp('', 'rtsp://h/')).toEqual({ control: 'rtsp://h/', video: [] });
  });
});

describe('resolveControl', () => {
  it.each([
    ['rtsp://h/a/', '*', 'rtsp://h/a/'],
    ['rtsp://h/a/', '', 'rtsp://h/a/'],
    ['rtsp://h/a/', 'trackID=1', 'rtsp://h/a/trackID=1'],
    ['rtsp://h/a', 'trackID=1', 'rtsp://h/a/trackID=1'],
    ['rtsp://h/a', '/trackID=1', 'rtsp://h/a/trackID=1'],
    ['rtsp://h/a/', 'rtsp://other:8554/x', 'rtsp://other:8554/x'],
    ['rtsp://h/a/', 'RTSP://Other/x', 'RTSP://Other/x'],
  ])('%s + %s → %s', (base, control, expected) => {
    expect(resolveControl(base, control)).toBe(expected);
  });
});

describe('decodeSpropParameterSets', () => {
  it('decodes comma-separated base64 NAL units (H.264 SPS then PPS)', () => {
    const [sps, pps, ...rest] = decodeSpropParameterSets('Z0LADNoFB+wEQAAAAwBAAAAFGAgASTwAEk/kcYB4oVU=,aM48gA==');
    expect(rest).toEqual([]);
    expect((sps?.[0] ?? 0) & 0x1f).toBe(7);
    expect((pps?.[0] ?? 0) & 0x1f).toBe(8);
    expect(pps).toEqual(Buffer.from([0x68, 0xce, 0x3c, 0x80]));
  });

  it('drops empty entries and tolerates spaces', () => {
    expect(decodeSpropParameterSets(' aM48gA== ,, ')).toEqual([Buffer.from([0x68, 0xce, 0x3c, 0x80])]);
    expect(decodeSpropParameterSets('')).toEqual([]);
  });
});
