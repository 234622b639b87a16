// Workers for the `http_request` step type (one HTTP call through the egress guard).
import './instrument';
import { runService } from '@mockops/runtime';

runService({ name: 'worker-http-request', handlers: ['http_request'] });
