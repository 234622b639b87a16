import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/api-key.guard';
import { GatewayApi } from '../http/gateway-api.decorator';
import { ArtifactsService, type ArtifactView } from './artifacts.service';

@ApiTags('artifacts')
@GatewayApi()
@Controller('executions/:id/artifacts')
export class ArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Get()
  @ApiOperation({ summary: "An execution's artifacts (name, size, sha256, created_at), e.g. the `sdks` archive of regenerate_sdk" })
  @ApiOkResponse({ description: '{items: [{name, step_name, media_type, size, sha256, created_at, url}], next_cursor: null}' })
  @ApiNotFoundResponse({ description: 'no such execution' })
  list(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<{ items: ArtifactView[]; next_cursor: null }> {
    return this.artifacts.list(principal, id);
  }

  @Get(':name')
  @ApiOperation({ summary: 'Download an artifact (the SDK archive is a .tar.gz)' })
  @ApiProduces('application/gzip', 'application/octet-stream')
  @ApiOkResponse({ description: 'the artifact bytes; ETag is the sha256' })
  @ApiNotFoundResponse({ description: 'no such execution or artifact' })
  async download(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Param('name') name: string, @Res() res: Response): Promise<void> {
    const artifact = await this.artifacts.get(principal, id, name);
    const extension = artifact.mediaType === 'application/gzip' ? '.tar.gz' : '';
    res.status(200);
    res.setHeader('Content-Type', artifact.mediaType);
    res.setHeader('Content-Length', String(artifact.content.length));
    res.setHeader('Content-Disposition', `attachment; filename="${id}-${artifact.name}${extension}"`);
    res.setHeader('ETag', `"${artifact.sha256}"`);
    res.setHeader('X-Content-SHA256', artifact.sha256);
    res.end(artifact.content);
  }
}
