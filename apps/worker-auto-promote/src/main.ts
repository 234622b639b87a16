// Workers for the `auto_promote` step type (promotions between environments, approvals parked), plus
// the recorder that notes every published scenario version in its workspace's first environment.
import './instrument';
import { publishedVersionsRecorder, runService } from '@mockops/runtime';

runService({ name: 'worker-auto-promote', handlers: ['auto_promote'], services: [publishedVersionsRecorder] });
