import * as z from 'zod/mini';

const nonEmpty = () => z.string().check(z.minLength(1));

/**
 * The fields of a GitHub webhook payload that choose its canonical type and entity. Every
 * event shares this envelope; the rest of the payload is event-specific and kept as data.
 */
export const GithubPayloadSchema = z.looseObject({
  action: z.optional(nonEmpty()),
  repository: z.optional(z.nullable(z.looseObject({ full_name: nonEmpty() }))),
  organization: z.optional(z.nullable(z.looseObject({ login: nonEmpty() }))),
  installation: z.optional(z.nullable(z.looseObject({ id: z.int() }))),
});
export type GithubPayload = z.infer<typeof GithubPayloadSchema>;

/** What a body must (and must not) hold at its top level to be the event its header names. */
export interface EventShape {
  readonly has: readonly string[];
  readonly lacks?: readonly string[];
}

/**
 * Top-level keys of each event's body, derived from the real deliveries of
 * `@octokit/webhooks-examples` (every one passes its own event; the test checks that). The event
 * name is an unsigned header, so a body that lacks its event's keys was relabeled: a `push` sent
 * as `pull_request` names no pull request. Events not listed (`installation`, `repository`,
 * `watch`…) carry only the common envelope and pass; so does a body holding more than its own
 * event's keys, except `issues`, whose body never has a `comment` (that is `issue_comment`'s).
 */
export const EVENT_SHAPES: ReadonlyMap<string, EventShape> = new Map<string, EventShape>([
  ['branch_protection_rule', { has: ['rule'] }],
  ['check_run', { has: ['check_run'] }],
  ['check_suite', { has: ['check_suite'] }],
  ['code_scanning_alert', { has: ['alert', 'ref', 'commit_oid'] }],
  ['commit_comment', { has: ['comment'] }],
  ['create', { has: ['ref', 'ref_type', 'master_branch'] }],
  ['delete', { has: ['ref', 'ref_type'] }],
  ['dependabot_alert', { has: ['alert'] }],
  ['deploy_key', { has: ['key'] }],
  ['deployment', { has: ['deployment'] }],
  ['deployment_review', { has: ['workflow_run', 'workflow_job_run'] }],
  ['deployment_status', { has: ['deployment_status', 'deployment'] }],
  ['discussion', { has: ['discussion'] }],
  ['discussion_comment', { has: ['discussion', 'comment'] }],
  ['fork', { has: ['forkee'] }],
  ['gollum', { has: ['pages'] }],
  [
    'installation_repositories',
    { has: ['repository_selection', 'repositories_added', 'repositories_removed'] },
  ],
  ['issue_comment', { has: ['issue', 'comment'] }],
  ['issues', { has: ['issue'], lacks: ['comment'] }],
  ['label', { has: ['label'] }],
  ['marketplace_purchase', { has: ['marketplace_purchase'] }],
  ['member', { has: ['member'] }],
  ['membership', { has: ['member', 'team', 'scope'] }],
  ['merge_group', { has: ['merge_group'] }],
  ['meta', { has: ['hook_id', 'hook'] }],
  ['milestone', { has: ['milestone'] }],
  ['org_block', { has: ['blocked_user'] }],
  ['package', { has: ['package'] }],
  ['page_build', { has: ['build'] }],
  ['ping', { has: ['zen'] }],
  ['project', { has: ['project'] }],
  ['project_card', { has: ['project_card'] }],
  ['project_column', { has: ['project_column'] }],
  ['projects_v2_item', { has: ['projects_v2_item'] }],
  ['pull_request', { has: ['number', 'pull_request'] }],
  ['pull_request_review', { has: ['review', 'pull_request'] }],
  ['pull_request_review_comment', { has: ['comment', 'pull_request'] }],
  ['pull_request_review_thread', { has: ['thread', 'pull_request'] }],
  ['push', { has: ['ref', 'before', 'after'] }],
  ['release', { has: ['release'] }],
  ['repository_dispatch', { has: ['branch', 'client_payload'] }],
  ['repository_import', { has: ['status'] }],
  ['repository_vulnerability_alert', { has: ['alert'] }],
  ['security_advisory', { has: ['security_advisory'] }],
  ['sponsorship', { has: ['sponsorship'] }],
  ['star', { has: ['starred_at'] }],
  ['status', { has: ['sha', 'state', 'commit', 'context'] }],
  ['team', { has: ['team'] }],
  ['team_add', { has: ['team'] }],
  ['workflow_dispatch', { has: ['workflow', 'inputs', 'ref'] }],
  ['workflow_job', { has: ['workflow_job'] }],
  ['workflow_run', { has: ['workflow_run', 'workflow'] }],
]);
