// Workers for the `create_pr` step type (GitHub pull requests).
import './instrument';
import { runService } from '@mockops/runtime';

runService({ name: 'worker-create-pr', handlers: ['create_pr'] });
