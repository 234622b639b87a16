import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { METRICS_CONTENT_TYPE, metricsText } from '@mockops/telemetry';

/**
 * Prometheus' scrape of the gateway (docs/metrics.md): this process's registry, the shared-state
 * gauges included, served from memory (the gauges from their last background sample). Unauthenticated
 * like the probes: counts and route templates only, no ids, no payloads.
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  @Get('metrics')
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return metricsText();
  }
}
