// Workers for the `create_pr` step type (GitHub pull requests).
import { runService } from '@mockops/runtime';
import { createPrHandler } from '@mockops/step-create-pr';

runService({ name: 'worker-create-pr', handlers: [createPrHandler] });
