// The trigger-matcher alone: consumes the event stream (consumer group) and starts executions.
import './instrument';
import { runService } from '@mockops/runtime';

runService({ name: 'trigger-matcher', matcher: true });
