import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { HTTP_STATUS_OF } from './gateway-error';

export class ErrorDetailDto {
  @ApiProperty({ example: 'definition.steps[0].config.languages' }) path?: string;
  @ApiPropertyOptional({ example: 14, description: '1-based; present when the input was YAML text' }) line?: number;
  @ApiPropertyOptional({ example: 9 }) column?: number;
  @ApiPropertyOptional({ example: 'INVALID_VALUE' }) code?: string;
  @ApiPropertyOptional({ enum: ['error', 'warning'] }) severity?: 'error' | 'warning';
  @ApiProperty({ example: 'unknown language "cobol"' }) message: string;
}

export class ErrorDto {
  @ApiProperty({ enum: Object.keys(HTTP_STATUS_OF), example: 'VALIDATION_FAILED' }) code: string;
  @ApiProperty({ example: 'pipeline is invalid' }) message: string;
  @ApiProperty({ type: [ErrorDetailDto] }) details: ErrorDetailDto[];
}
