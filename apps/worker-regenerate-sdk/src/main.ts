// Workers for the `regenerate_sdk` step type: reads specs from MOCKOPS_SPEC_ROOT (or http(s) URLs
// allowed by the egress guard), writes SDKs under MOCKOPS_ARTIFACTS_DIR and stores each execution's
// archive in Postgres (artifact `sdks`).
import './instrument';
import { runService } from '@mockops/runtime';

runService({ name: 'worker-regenerate-sdk', handlers: ['regenerate_sdk'] });
