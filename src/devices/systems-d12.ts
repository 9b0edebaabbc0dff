// D12 ("未经验收或者验收不合格的，不得投入使用") at the two doors video passes: what the recorder ingests, and which
// camera the video service may serve. Both wrap CameraService without changing it: a camera whose system is not in
// accepted | in_use | changed is left out of the ingest plan (so the running recorder stops it, and starts it again
// once the system is accepted — the system's change events and the recorder's periodic re-read trigger the re-plan)
// and refused to viewers with `system_not_accepted` (HTTP 403, article D12). Cameras in no system are unaffected.
import { lifecycleAllowsRecording } from '../domain/index.js';
import type { Camera, CameraService, IngestPlan } from './service.js';
import type { SystemService } from './systems.js';

/** The recorder's source (recording/ IngestSource): CameraService's plan without cameras of unaccepted systems. */
export class AcceptedIngestSource {
  constructor(
    private readonly cameras: CameraService,
    private readonly systems: SystemService,
  ) {}

  async streamsToIngest(): Promise<IngestPlan> {
    const [plan, members] = await Promise.all([this.cameras.streamsToIngest(), this.systems.membership()]);
    const blocked = (cameraId: string) => {
      const member = members.get(cameraId);
      return member !== undefined && !lifecycleAllowsRecording(member.lifecycle);
    };
    return {
      streams: plan.streams.filter((s) => !blocked(s.cameraId)),
      unreadable: plan.unreadable.filter((s) => !blocked(s.cameraId)),
      // R10 / D11 refusals stay in the plan for the recorder to log, whatever the system's state.
      refused: plan.refused,
    };
  }

  /** Camera changes and system changes (a transition or new membership) both re-plan the recorder. */
  onChange(listener: () => void): () => void {
    const offCameras = this.cameras.onChange(() => listener());
    const offSystems = this.systems.onChange(() => listener());
    return () => {
      offCameras();
      offSystems();
    };
  }
}

/** The camera directory the video service reads (playback/ CameraDirectory): refuses cameras of unaccepted systems. */
export class ViewableCameras {
  constructor(
    private readonly cameras: CameraService,
    private readonly systems: SystemService,
  ) {}

  async get(cameraId: string): Promise<Camera> {
    const camera = await this.cameras.get(cameraId);
    await this.systems.assertViewable(camera.id);
    return camera;
  }
}
