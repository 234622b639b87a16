// Workers for the `auto_promote` step type (promotions between environments, approvals parked), plus
// the recorder that notes every published scenario version in its workspace's first environment.
import { runService } from '@mockops/runtime';
import { autoPromoteHandlerFactory, PublishedVersionsModule } from '@mockops/step-auto-promote';

runService({
  name: 'worker-auto-promote',
  handlers: [autoPromoteHandlerFactory],
  modules: [(infra) => PublishedVersionsModule.forRoot(infra)],
});
