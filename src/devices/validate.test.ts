import { describe, expect, it } from 'vitest';
import { DeviceError } from './errors.js';
import {
  validateCameraId,
  validateCameraPatch,
  validateName,
  validateNewCamera,
  validateStreamUrl,
  validateKind,
  validateFlag,
  validateRtspClient,
} from './validate.js';

function rejection(fn: () => unknown): DeviceError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DeviceError);
    return error as DeviceError;
  }
  throw new Error('expected a DeviceError');
}

describe('validateName', () => {
  it.each([
    ['  Gate 1  ', 'Gate 1'],
    ['东门入口 摄像机', '东门入口 摄像机'],
    ['x'.repeat(100), 'x'.repeat(100)],
    ['🎥'.repeat(100), '🎥'.repeat(100)], // 100 code points, 200 UTF-16 units
    ['Cafe\u0301', 'Café'], // NFC
  ])('accepts %j', (input, expected) => {
    expect(validateName(input)).toBe(expected);
  });

  it.each([
    [42, 'name must be a string'],
    [null, 'name must be a string'],
    ['', 'name must not be empty'],
    ['   \t ', 'name must not be empty'],
    ['Gate\n1', 'name must not contain control characters such as line breaks or tabs'],
    ['Gate\u00001', 'name must not contain control characters such as line breaks or tabs'],
    ['Gate\u20281', 'name must not contain control characters such as line breaks or tabs'],
    ['x'.repeat(101), 'name must be at most 100 characters, got 101'],
  ])('rejects %j: %s', (input, message) => {
    const error = rejection(() => validateName(input));
    expect(error).toMatchObject({ code: 'invalid_camera', field: 'name', message });
  });
});

describe('validateStreamUrl', () => {
  it.each([
    'rtsp://192.168.1.64:554/Streaming/Channels/101',
    'rtsps://cam.example.com/live',
    'RTSP://admin:p%40ss@cam.local/h264',
    'rtsp://admin:p@ss@cam.local/h264', // ffmpeg splits userinfo at the last "@" too
    'rtsp://[fe80::1]:8554/stream',
    'rtsp://10.0.0.9:554/user=admin&password=x&channel=1&stream=0.sdp?',
    'rtsp://h:65535/x',
    'rtsp://h:1',
  ])('accepts %s unchanged', (url) => {
    expect(validateStreamUrl(`  ${url} `)).toBe(url);
  });

  const password = 'Hunter2-Secret';
  it.each([
    [7, 'url must be a string'],
    ['', 'url must not be empty'],
    [`rtsp://h/${'x'.repeat(2048)}`, 'url must be at most 2048 characters'],
    [`rtsp://admin:${password} x@h/`, 'url must not contain spaces or control characters (percent-encode them, e.g. %20)'],
    [`rtsp://admin:${password}@h/\nx`, 'url must not contain spaces or control characters (percent-encode them, e.g. %20)'],
    [`//admin:${password}@h/`, 'url must start with rtsp:// or rtsps://'],
    [`192.168.1.64:554/live`, 'url must start with rtsp:// or rtsps://'],
    [`http://admin:${password}@h/`, 'url must use the rtsp or rtsps scheme, not "http"'],
    [`https://h/`, 'url must use the rtsp or rtsps scheme, not "https"'],
    [`file:///etc/passwd`, 'url must use the rtsp or rtsps scheme, not "file"'],
    [`rtmp://h/live`, 'url must use the rtsp or rtsps scheme, not "rtmp"'],
    [`rtsp:admin:${password}@h`, 'url must have the form rtsp://host[:port]/path'],
    [`rtsp:///live`, 'url must name a host, as in rtsp://192.168.1.64:554/path'],
    [`rtsp://admin:${password}@h:0/`, 'url port must be between 1 and 65535'],
    [`rtsp://admin:${password}@h:65536/`, 'url port must be between 1 and 65535'],
    [`rtsp://[::1]:99999/`, 'url port must be between 1 and 65535'],
    [`rtsp://admin:${password}@h:port/`, 'url is not a valid URL (in a user name or password, percent-encode the characters @ : / ? # as %40 %3A %2F %3F %23)'],
    [`rtsp://admin:pa/${password}@h/`, 'url is not a valid URL (in a user name or password, percent-encode the characters @ : / ? # as %40 %3A %2F %3F %23)'],
    [`rtsp://admin:${password}@h/live#x`, 'url must not contain a fragment ("#"); in a password, percent-encode "#" as %23'],
    [`rtsp://***@h/live`, 'url contains the redaction marker *** instead of credentials: enter the user name and password, or leave them out'],
    [`rtsp://admin:%2A%2A%2A@h/live`, 'url contains the redaction marker *** instead of credentials: enter the user name and password, or leave them out'],
  ])('rejects %j: %s', (input, message) => {
    const error = rejection(() => validateStreamUrl(input));
    expect(error).toMatchObject({ code: 'invalid_camera', field: 'url', message });
    expect(error.message).not.toContain(password); // D6, R18: messages are logged and returned
  });

  it('names the field it checks', () => {
    expect(rejection(() => validateStreamUrl('http://h/', 'subUrl'))).toMatchObject({
      field: 'subUrl',
      message: 'subUrl must use the rtsp or rtsps scheme, not "http"',
    });
  });
});

describe('kinds, flags, ids', () => {
  it('checks kinds and flags', () => {
    expect(validateKind('main')).toBe('main');
    expect(validateKind('sub')).toBe('sub');
    expect(rejection(() => validateKind('third'))).toMatchObject({ field: 'kind', message: 'kind must be "main" or "sub"' });
    expect(validateFlag(false, 'enabled')).toBe(false);
    expect(rejection(() => validateFlag('yes', 'enabled'))).toMatchObject({ field: 'enabled', message: 'enabled must be true or false' });
    expect(rejection(() => validateFlag(1, 'recordSub'))).toMatchObject({ field: 'recordSub', message: 'recordSub must be true or false' });
  });

  it('checks the RTSP client choice, case and all', () => {
    for (const c of ['default', 'builtin', 'ffmpeg'] as const) expect(validateRtspClient(c)).toBe(c);
    for (const bad of ['FFmpeg', 'auto', '', 1, undefined]) {
      expect(rejection(() => validateRtspClient(bad))).toMatchObject({ code: 'invalid_camera', field: 'rtspClient' });
    }
  });

  it('accepts UUIDs, lower-cased, and rejects anything else without echoing it', () => {
    expect(validateCameraId('01932C07-8B2A-7C4E-9F10-3A5B6C7D8E9F')).toBe('01932c07-8b2a-7c4e-9f10-3a5b6c7d8e9f');
    for (const bad of ['', 'camera-1', '01932c07-8b2a-7c4e-9f10-3a5b6c7d8e9', '../../etc', 12, null]) {
      const error = rejection(() => validateCameraId(bad));
      expect(error).toMatchObject({ code: 'invalid_camera', field: 'id' });
      expect(error.message).toBe('camera id must be a UUID such as 01932c07-8b2a-7c4e-9f10-3a5b6c7d8e9f');
    }
  });
});

describe('validateNewCamera / validateCameraPatch', () => {
  const url = 'rtsp://h/main';

  it('fills defaults and keeps URLs as entered', () => {
    expect(validateNewCamera({ name: ' Gate ', url })).toEqual({ name: 'Gate', url, subUrl: null, enabled: true, recordSub: false, rtspClient: 'default', place: {}, installation: {} });
    expect(validateNewCamera({ name: 'G', url, subUrl: 'rtsp://h/sub', enabled: false, recordSub: true, rtspClient: 'ffmpeg' })).toEqual({
      name: 'G', url, subUrl: 'rtsp://h/sub', enabled: false, recordSub: true, rtspClient: 'ffmpeg', place: {}, installation: {},
    });
    expect(validateCameraPatch({ rtspClient: 'builtin' })).toEqual({ rtspClient: 'builtin' });
    expect(validateCameraPatch({})).toEqual({});
    expect(validateCameraPatch({ subUrl: null, name: 'N', enabled: undefined })).toEqual({ subUrl: null, name: 'N' });
  });

  it.each([
    ['not an object', 'x', '', 'camera must be an object'],
    ['an array', [], '', 'camera must be an object'],
    ['no name', { url }, 'name', 'name is required'],
    ['no url', { name: 'G' }, 'url', 'url is required'],
    ['a misspelt field', { name: 'G', url, recordsub: true }, 'recordsub', 'unknown field "recordsub"; allowed: name, url, subUrl, enabled, recordSub, rtspClient, areaType, placeCategory, site, position, necessity, installingParty, facesResidence, nearMilitaryOrClassified, consentDocumentRef, angle, assessment'],
    ['a bad sub URL', { name: 'G', url, subUrl: 'http://h' }, 'subUrl', 'subUrl must use the rtsp or rtsps scheme, not "http"'],
    ['recordSub without a sub stream', { name: 'G', url, recordSub: true }, 'recordSub', 'recordSub needs a sub stream: give subUrl'],
    ['a non-boolean enabled', { name: 'G', url, enabled: 'no' }, 'enabled', 'enabled must be true or false'],
    ['an unknown RTSP client', { name: 'G', url, rtspClient: 'gstreamer' }, 'rtspClient', 'rtspClient must be one of "default", "builtin", "ffmpeg"'],
  ])('new camera with %s', (_what, input, field, message) => {
    const error = rejection(() => validateNewCamera(input));
    expect(error.code).toBe('invalid_camera');
    expect(error.message).toBe(message);
    expect(error.field ?? '').toBe(field);
  });

  it.each([
    ['null', null, '', 'camera update must be an object'],
    ['an empty name', { name: ' ' }, 'name', 'name must not be empty'],
    ['a bad url', { url: 'rtsp://h:0' }, 'url', 'url port must be between 1 and 65535'],
    ['an unknown field', { id: 'x' }, 'id', 'unknown field "id"; allowed: name, url, subUrl, enabled, recordSub, rtspClient, areaType, placeCategory, site, position, necessity, installingParty, facesResidence, nearMilitaryOrClassified, consentDocumentRef, angle, assessment'],
    ['a field name with control characters', { 'a\nb': 1 }, 'a?b', 'unknown field "a?b"; allowed: name, url, subUrl, enabled, recordSub, rtspClient, areaType, placeCategory, site, position, necessity, installingParty, facesResidence, nearMilitaryOrClassified, consentDocumentRef, angle, assessment'],
    ['a null RTSP client (reset is "default")', { rtspClient: null }, 'rtspClient', 'rtspClient must be one of "default", "builtin", "ffmpeg"'],
    ['recordSub while removing the sub stream', { subUrl: null, recordSub: true }, 'recordSub', 'recordSub cannot be true while removing the sub stream (subUrl: null)'],
  ])('patch with %s', (_what, input, field, message) => {
    const error = rejection(() => validateCameraPatch(input));
    expect(error.message).toBe(message);
    expect(error.field ?? '').toBe(field);
  });
});
