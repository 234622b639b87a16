import { DIAGNOSTIC_CODES } from '../diagnostics';
import { isCheckingRendered } from '../validation/checks';
import { defineStepType, f } from './schema';

export const FILE_OPERATIONS = ['create', 'update', 'delete'] as const;
export type FileOperation = (typeof FILE_OPERATIONS)[number];

const fileFields = {
  path: f.text('Repository-relative path.').required(),
  content: f
    .optionalText('The file\'s text; an object (a whole-value template such as "{{event.drift_data}}") is written as pretty JSON. Not for delete.')
    .checking((v) =>
      isCheckingRendered() || typeof v === 'string' ? null : { message: 'must be a string (use a template such as "{{event.drift_data}}" to write data as JSON)' },
    ),
  operation: f.oneOf(FILE_OPERATIONS, 'operation', 'Default create (create or update).').orTemplate(),
  encoding: f.oneOf(['utf-8', 'base64'] as const, 'encoding', 'base64 for binary content; default utf-8.'),
};

/** `create_pr`: all files in one commit on a head branch, and one pull request into the target branch. */
export const createPrStepType = defineStepType({
  type: 'create_pr',
  summary: 'Commits files on a head branch in one commit (git data API, no clone) and opens — or on a re-run updates — one pull request.',
  retryPolicy: 'network',
  fields: {
    repository: f.url('https://github.com/<owner>/<repo> (or a GitHub Enterprise URL).').orTemplate().required(),
    branch: f.text('The target (base) branch.').required(),
    title: f.text('Pull request title.').required(),
    body: f.optionalText('Pull request description.'),
    files: f
      .objectList(fileFields, 'Files to commit, or a whole-value template such as "{{steps.regenerate_sdk.outputs.files}}".', (item, invalid) =>
        item.operation !== 'delete' && item.content === undefined && !invalid.has('content')
          ? [['content', DIAGNOSTIC_CODES.required, 'required (unless operation is delete)']]
          : [],
      )
      .required(),
    head_branch: f.text('Head branch; default mockops/<pipeline>/<execution>.'),
    labels: f.textList('Labels to add.').orTemplate(),
    reviewers: f.textList('Reviewers (users, or org/team for teams).').orTemplate(),
    draft: f.bool('Open as a draft.').orTemplate(),
    api_url: f.url('GitHub API base; default GITHUB_API_URL, else derived from the repository host.').orTemplate(),
    token: f.secretRef('The token, from a secret; default the GITHUB_TOKEN secret the pipeline may use.').credential(),
    commit_message: f.text('Commit message; default the title.'),
  },
  boundCredentials: { GITHUB_TOKEN: 'token' },
  example: {
    repository: 'https://github.com/your-org/mock-configs',
    branch: 'main',
    title: 'Drift Violation: {{event.endpoint}}',
    files: [{ path: 'drift-reports/{{event.endpoint}}.json', content: '{{event.drift_data}}', operation: 'create' }],
  },
});
