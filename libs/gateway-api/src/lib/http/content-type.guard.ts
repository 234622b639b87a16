import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { GatewayError } from '../errors/gateway-error';

export type BodyFormat = 'json' | 'yaml';

export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];
export const YAML_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

const ACCEPTS_BODY = 'mockops:accepts-body';

/** Declares which body formats a route reads; others are answered with 415. */
export const AcceptsBody = (...formats: BodyFormat[]) => SetMetadata(ACCEPTS_BODY, formats);

export function mediaTypeOf(req: Request): string | null {
  const raw = req.headers['content-type'];
  if (!raw) return null;
  return raw.split(';')[0].trim().toLowerCase() || null;
}

export function bodyFormatOf(mediaType: string | null): BodyFormat | null {
  if (!mediaType) return null;
  if (YAML_MEDIA_TYPES.includes(mediaType)) return 'yaml';
  if (mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) return 'json';
  return null;
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Body parsers silently skip media types they do not handle, which would turn a wrong Content-Type
 * into a confusing "body required"; this guard names the problem instead (415).
 */
@Injectable()
export class ContentTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const formats = this.reflector.getAllAndOverride<BodyFormat[] | undefined>(ACCEPTS_BODY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!formats) return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (!hasBody(req)) return true;
    const type = mediaTypeOf(req);
    const format = bodyFormatOf(type);
    if (format && formats.includes(format)) return true;
    const wanted = formats.map((f) => (f === 'json' ? 'application/json' : 'application/yaml')).join(' or ');
    throw new GatewayError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Type ${type ? `"${type}"` : '(none)'} is not supported here; send ${wanted}`,
    );
  }
}
