// The public API of devices/ (architecture §2): other modules import only this file. The repository is not exported:
// cameras and camera_streams are reached through CameraService alone.
export {
  CameraService,
  IngestStream,
  type Camera,
  type CameraChangeEvent,
  type CameraChangeListener,
  type CameraServiceDeps,
  type CameraStream,
  type IngestPlan,
  type IngestStreamView,
  type UnreadableStream,
} from './service.js';
export { credentialKey, openUrl, redactUrl, sealUrl, CREDENTIAL_KEY_BYTES, type CredentialKey } from './credentials.js';
export { DeviceError, isDeviceError, type DeviceErrorCode } from './errors.js';
export { INSTALLATION_FIELDS, type InstallationInput } from './installation.js';
export { SIGNAGE_PHOTO_MAX_BYTES, SIGNAGE_TEXT_MAX_CHARS, type Signage, type SignagePhotoType } from './signage.js';
export {
  NAME_MAX_CHARS,
  RTSP_CLIENT_CHOICES,
  STREAM_KINDS,
  URL_MAX_CHARS,
  validateCameraId,
  type CameraPatch,
  type NewCameraInput,
  type StreamKind,
} from './validate.js';
// Systems (R11, D12–D14) and the D12 doors for recording and viewing.
export {
  DOCUMENT_MAX_BYTES,
  SystemService,
  type Actor,
  type NewDocumentInput,
  type SystemChangeListener,
  type SystemDocument,
  type SystemMember,
  type SystemServiceDeps,
  type SystemTransition,
  type VideoSystem,
} from './systems.js';
export { SystemError, isSystemError, type SystemErrorCode } from './systems-errors.js';
export { AcceptedIngestSource, ViewableCameras } from './systems-d12.js';
