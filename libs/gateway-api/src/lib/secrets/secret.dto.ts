import { ApiProperty } from '@nestjs/swagger';

export class PutSecretDto {
  @ApiProperty({ description: 'The secret value; stored encrypted, never returned', example: 'ghp_xxxxxxxxxxxxxxxx' })
  value: string;
}

export class SecretDto {
  @ApiProperty({ example: 'workspace-123' })
  workspace_id: string;
  @ApiProperty({ example: 'GITHUB_TOKEN' })
  name: string;
  @ApiProperty()
  created_at: string;
  @ApiProperty()
  updated_at: string;
}

export class SecretPageDto {
  @ApiProperty({ type: [SecretDto] })
  items: SecretDto[];
  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}

export class RotatedKeyDto {
  @ApiProperty({ description: 'Values re-encrypted under the active key' })
  rotated: number;
  @ApiProperty({ description: 'Id of the key that encrypts now (the first of MOCKOPS_SECRETS_KEY)' })
  active_key_id: string;
  @ApiProperty({ type: [String], description: 'workspace/name of values that do not decrypt with any configured key (left as they are)' })
  unreadable: string[];
}
