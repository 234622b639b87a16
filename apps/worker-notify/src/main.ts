// Workers for the `notify` step type (Slack, email, webhook).
import './instrument';
import { runService } from '@mockops/runtime';

runService({ name: 'worker-notify', handlers: ['notify'] });
