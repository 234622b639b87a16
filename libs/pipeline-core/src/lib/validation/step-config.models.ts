import { DIAGNOSTIC_CODES } from '../diagnostics';
import { ENTITY_TYPES, FILE_OPERATIONS, NOTIFY_TYPES, SDK_LANGUAGES, type NotifyType, type StepType } from '../types';
import {
  Field,
  bool,
  emailAddress,
  enumList,
  int,
  isTemplate,
  listOf,
  oneOf,
  orTemplate,
  str,
  strOrNum,
  stringMap,
  url,
  type Check,
} from './checks';

/** One class per step type; every field may also be a template (checked when rendered). */

const text = str();
const optionalText = str({ nonEmpty: false });
const textList = listOf(str());

export class RegenerateSdkConfigModel {
  @Field(orTemplate(enumList(SDK_LANGUAGES, 'language')), { required: true })
  languages: unknown;

  @Field(text)
  spec_path: unknown;

  @Field(text)
  spec: unknown;

  @Field(text)
  output_dir: unknown;

  @Field(strOrNum)
  workspace_id: unknown;

  @Field(text)
  package_name: unknown;
}

export class AutoPromoteConfigModel {
  @Field(orTemplate(oneOf(ENTITY_TYPES, 'entity_type')), { required: true })
  entity_type: unknown;

  @Field(strOrNum, { required: true })
  entity_id: unknown;

  @Field(text, { required: true })
  from_environment: unknown;

  @Field(text, { required: true })
  to_environment: unknown;

  @Field(optionalText)
  comments: unknown;

  @Field(strOrNum)
  version: unknown;

  @Field(orTemplate(bool))
  require_approval: unknown;

  @Field(orTemplate(bool))
  allow_skip: unknown;
}

export class NotifyBaseModel {
  @Field(orTemplate(oneOf(NOTIFY_TYPES, 'notify type')), { required: true })
  type: unknown;

  @Field(text, { required: true })
  message: unknown;

  @Field(orTemplate(int(1, 300)))
  timeout_seconds: unknown;
}

const slackUrl = orTemplate(url());
const channels = orTemplate(textList);
const emailTo: Check = (v) => (isTemplate(v) ? null : typeof v === 'string' ? emailAddress(v) : listOf(orTemplate(emailAddress), { min: 1 })(v));
const smtpUrl = orTemplate(url(['smtp:', 'smtps:']));
const headers = stringMap(str({ nonEmpty: false }));

export class NotifySlackConfigModel extends NotifyBaseModel {
  @Field(slackUrl)
  slack_webhook_url: unknown;

  @Field(channels)
  channels: unknown;

  @Field(text)
  username: unknown;

  @Field(text)
  icon_emoji: unknown;
}

export class NotifyEmailConfigModel extends NotifyBaseModel {
  @Field(emailTo, { required: true })
  email_to: unknown;

  @Field(optionalText)
  subject: unknown;

  @Field(orTemplate(emailAddress))
  email_from: unknown;

  @Field(smtpUrl)
  smtp_url: unknown;
}

export class NotifyWebhookConfigModel extends NotifyBaseModel {
  @Field(orTemplate(url()), { required: true })
  webhook_url: unknown;

  @Field(text)
  webhook_secret: unknown;

  @Field(headers)
  headers: unknown;
}

/** When `type` itself is a template, the variant is unknown until render: accept every variant's fields. */
export class NotifyAnyConfigModel extends NotifyBaseModel {
  @Field(slackUrl)
  slack_webhook_url: unknown;
  @Field(channels)
  channels: unknown;
  @Field(text)
  username: unknown;
  @Field(text)
  icon_emoji: unknown;
  @Field(emailTo)
  email_to: unknown;
  @Field(optionalText)
  subject: unknown;
  @Field(orTemplate(emailAddress))
  email_from: unknown;
  @Field(smtpUrl)
  smtp_url: unknown;
  @Field(orTemplate(url()))
  webhook_url: unknown;
  @Field(text)
  webhook_secret: unknown;
  @Field(headers)
  headers: unknown;
}

/** Which notify fields belong to which type, so `email_to` on a slack notify gets a clear error. */
export const NOTIFY_FIELDS_BY_TYPE: Record<NotifyType, readonly string[]> = {
  slack: ['slack_webhook_url', 'channels', 'username', 'icon_emoji'],
  email: ['email_to', 'subject', 'email_from', 'smtp_url'],
  webhook: ['webhook_url', 'webhook_secret', 'headers'],
};

export const NOTIFY_MODELS: Record<NotifyType, new () => object> = {
  slack: NotifySlackConfigModel,
  email: NotifyEmailConfigModel,
  webhook: NotifyWebhookConfigModel,
};

export const LITERAL_TOKEN_MESSAGE = 'tokens must not be written in the pipeline; use {{secrets.NAME}}';

const tokenTemplate: Check = (v) => (isTemplate(v) ? null : { code: DIAGNOSTIC_CODES.literalSecret, message: LITERAL_TOKEN_MESSAGE });

export class CreatePrConfigModel {
  @Field(orTemplate(url()), { required: true })
  repository: unknown;

  @Field(text, { required: true })
  branch: unknown;

  @Field(text, { required: true })
  title: unknown;

  @Field(optionalText)
  body: unknown;

  /** A list checked item by item by the parser (CreatePrFileModel), or one whole-value template. */
  @Field((v) => (isTemplate(v) || Array.isArray(v) ? null : { message: 'must be a list of files or a template such as "{{steps.x.outputs.files}}"' }), {
    required: true,
  })
  files: unknown;

  @Field(text)
  head_branch: unknown;

  @Field(orTemplate(textList))
  labels: unknown;

  @Field(orTemplate(textList))
  reviewers: unknown;

  @Field(orTemplate(bool))
  draft: unknown;

  @Field(orTemplate(url()))
  api_url: unknown;

  @Field(tokenTemplate)
  token: unknown;

  @Field(text)
  commit_message: unknown;
}

export class CreatePrFileModel {
  @Field(text, { required: true })
  path: unknown;

  /** Required unless the operation is delete (checked by the parser, which sees both fields). */
  @Field((v) => (typeof v === 'string' ? null : { message: 'must be a string (use a template such as "{{event.drift_data}}" to write data as JSON)' }))
  content: unknown;

  @Field(orTemplate(oneOf(FILE_OPERATIONS, 'operation')))
  operation: unknown;
}

export const STEP_CONFIG_MODELS: Record<Exclude<StepType, 'notify'>, new () => object> = {
  regenerate_sdk: RegenerateSdkConfigModel,
  auto_promote: AutoPromoteConfigModel,
  create_pr: CreatePrConfigModel,
};
