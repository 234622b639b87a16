// Workers for the `notify` step type (Slack, email, webhook).
import { runService } from '@mockops/runtime';
import { notifyHandler } from '@mockops/step-notify';

runService({ name: 'worker-notify', handlers: [notifyHandler] });
