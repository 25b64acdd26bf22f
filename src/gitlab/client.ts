// The GitLab adapter (src/gitlab/README.md, GitLab mode): the packages group's projects (REST, paginated), recently
// active projects (GraphQL sorted by activity), pipelines (create, show, cancel, find by variable) and CI config paths.
// Answers are parsed with zod at this edge; errors are errors.ts's, never carrying the token.
import { Gitlab } from "@gitbeaker/rest";
import { z } from "zod";
import { GitlabQueryFailed } from "./errors";
import { gitbeakerRequester } from "./requester";
import { createTransport, type Transport, type TransportOptions } from "./transport";

export interface GitlabSettings {
  /** `https://gitlab.archlinux.org` (no trailing slash). */
  url: string;
  /** Sent as PRIVATE-TOKEN (REST) and Bearer (GraphQL); optional for reading public groups. */
  token?: string;
  /** Full path of the packages group, e.g. `archlinux/packaging/packages`. */
  group: string;
}

/** A project of the packages group as the REST API lists it. */
export interface GroupProject {
  id: number;
  name: string;
  path: string;
  fullPath: string;
  defaultBranch: string | null;
  lastActivityAt: string;
  /** Absent when the token may not read the repository (src/gitlab/README.md, REST API v4): unknown, not default. */
  ciConfigPath: string | null | undefined;
}

/** A project the GraphQL activity sweep returned. */
export interface ActiveProject {
  name: string;
  fullPath: string;
  lastActivityAt: Date;
}

export interface Pipeline {
  id: number;
  projectId: number;
  status: string;
  webUrl: string;
  ref: string;
  sha: string;
}

export interface FailedJob {
  name: string;
  stage: string;
  failureReason: string | null;
}

const ProjectJson = z.object({
  id: z.number(),
  name: z.string(),
  path: z.string(),
  path_with_namespace: z.string(),
  default_branch: z.string().nullable().optional(),
  last_activity_at: z.string(),
  ci_config_path: z.string().nullable().optional(),
});

const PipelineJson = z.object({
  id: z.number(),
  project_id: z.number(),
  status: z.string(),
  web_url: z.string(),
  ref: z.string(),
  sha: z.string(),
});

const VariableJson = z.object({ key: z.string(), value: z.string() });
const JobJson = z.object({ name: z.string(), stage: z.string(), failure_reason: z.string().nullable().optional() });

const toPipeline = (raw: unknown): Pipeline => {
  const p = PipelineJson.parse(raw);
  return { id: p.id, projectId: p.project_id, status: p.status, webUrl: p.web_url, ref: p.ref, sha: p.sha };
};

// src/gitlab/README.md, GraphQL: sorted by last_activity_at, newest first; at most 100 per page.
const ACTIVITY_QUERY = `query GroupProjects($fullPath: ID!, $after: String) {
  group(fullPath: $fullPath) {
    projects(sort: ACTIVITY_DESC, first: 100, after: $after, includeSubgroups: true) {
      nodes { name fullPath lastActivityAt }
      pageInfo { endCursor hasNextPage }
    }
  }
}`;

const ActivityAnswer = z.object({
  data: z
    .object({
      group: z
        .object({
          projects: z.object({
            nodes: z.array(z.object({ name: z.string(), fullPath: z.string(), lastActivityAt: z.string() }).nullable()),
            pageInfo: z.object({ endCursor: z.string().nullable(), hasNextPage: z.boolean() }),
          }),
        })
        .nullable(),
    })
    .nullable()
    .optional(),
  errors: z.array(z.object({ message: z.string() })).optional(),
});

export interface GitlabClient {
  readonly url: string;
  readonly group: string;
  /** Every project of the group and its subgroups, archived ones left out (offset pages of 100). */
  listGroupProjects(): Promise<GroupProject[]>;
  /**
   * Projects whose last activity is at or after `since`, newest first, read page by page until the activity is older.
   * GitLab bumps last_activity_at at most hourly (src/gitlab/README.md, GraphQL): callers add a margin.
   */
  activeProjectsSince(since: Date): Promise<ActiveProject[]>;
  /** POST /projects/:id/pipeline. Throws GitlabRefused for GitLab's 400s (no CI config, unknown ref…). */
  createPipeline(project: string | number, ref: string, variables: Record<string, string>): Promise<Pipeline>;
  /**
   * The pipeline of `project` on `ref`, created by the API since `since`, whose variable `key` satisfies
   * `match` — to learn whether a create that failed ambiguously happened after all.
   */
  findPipeline(
    project: string | number,
    query: { ref: string; since: Date; key: string; match: (value: string) => boolean },
  ): Promise<Pipeline | null>;
  getPipeline(project: string | number, pipelineId: number): Promise<Pipeline>;
  /** Always 200 in GitLab, whatever the state (src/gitlab/README.md, REST API v4). */
  cancelPipeline(project: string | number, pipelineId: number): Promise<Pipeline>;
  failedJobs(project: string | number, pipelineId: number): Promise<FailedJob[]>;
  setCiConfigPath(project: string | number, path: string): Promise<void>;
  /** The git smart-HTTP URL of a project. */
  cloneUrl(fullPath: string): string;
  /**
   * One cheap authenticated read of the packages group, tried once: throws GitlabRefused when GitLab
   * refuses the token (401) or it may not see the group, GitlabUnavailable when GitLab does not answer.
   */
  checkToken(): Promise<void>;
}

export function createGitlabClient(settings: GitlabSettings, options: TransportOptions = {}): GitlabClient {
  const transport: Transport = createTransport(options);
  const api = new Gitlab({
    host: settings.url,
    ...(settings.token ? { token: settings.token } : {}),
    requesterFn: gitbeakerRequester(transport),
    // Each attempt has its own timeout in the transport; gitbeaker's would span all retries.
    queryTimeout: null,
    // biome-ignore lint/suspicious/noExplicitAny: gitbeaker's constructor type does not list requesterFn.
  } as any);

  async function graphql(variables: Record<string, unknown>): Promise<z.infer<typeof ActivityAnswer>> {
    const response = await transport.send(
      "the GraphQL activity query",
      () =>
        new Request(`${settings.url}/api/graphql`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(settings.token ? { authorization: `Bearer ${settings.token}` } : {}),
          },
          body: JSON.stringify({ query: ACTIVITY_QUERY, variables, operationName: "GroupProjects" }),
        }),
      { idempotent: true },
    );
    const parsed = ActivityAnswer.safeParse(await response.json().catch(() => null));
    if (!parsed.success) throw new GitlabQueryFailed("GitLab's GraphQL answer has an unexpected shape");
    return parsed.data;
  }

  const client: GitlabClient = {
    url: settings.url,
    group: settings.group,

    async listGroupProjects() {
      const raw = await api.Groups.allProjects(settings.group, {
        includeSubgroups: true,
        withShared: false,
        archived: false,
        orderBy: "path",
        sort: "asc",
        perPage: 100,
      });
      return z
        .array(ProjectJson)
        .parse(raw)
        .map((p) => ({
          id: p.id,
          name: p.name,
          path: p.path,
          fullPath: p.path_with_namespace,
          defaultBranch: p.default_branch ?? null,
          lastActivityAt: p.last_activity_at,
          ciConfigPath: p.ci_config_path,
        }));
    },

    async activeProjectsSince(since) {
      const out: ActiveProject[] = [];
      let after: string | null = null;
      for (;;) {
        const answer = await graphql({ fullPath: settings.group, after });
        if (answer.errors?.length) {
          throw new GitlabQueryFailed(`GitLab's GraphQL API refused the activity query: ${answer.errors[0]!.message}`);
        }
        const group = answer.data?.group;
        if (!group) throw new GitlabQueryFailed(`GitLab has no group ${settings.group} (or the token may not see it)`);
        for (const node of group.projects.nodes) {
          if (!node) continue;
          const at = new Date(node.lastActivityAt);
          if (Number.isNaN(at.getTime()) || at < since) return out;
          out.push({ name: node.name, fullPath: node.fullPath, lastActivityAt: at });
        }
        if (!group.projects.pageInfo.hasNextPage || !group.projects.pageInfo.endCursor) return out;
        after = group.projects.pageInfo.endCursor;
      }
    },

    async createPipeline(project, ref, variables) {
      const raw = await api.Pipelines.create(project, ref, {
        variables: Object.entries(variables).map(([key, value]) => ({ key, value, variable_type: "env_var" })),
      });
      return toPipeline(raw);
    },

    async findPipeline(project, query) {
      const candidates = z.array(PipelineJson.pick({ id: true })).parse(
        await api.Pipelines.all(project, {
          ref: query.ref,
          source: "api",
          // A minute of slack for clock skew between us and GitLab.
          updatedAfter: new Date(query.since.getTime() - 60_000).toISOString(),
          orderBy: "id",
          sort: "desc",
          perPage: 20,
          maxPages: 1,
        }),
      );
      for (const { id } of candidates) {
        const variables = z.array(VariableJson).parse(await api.Pipelines.allVariables(project, id));
        const v = variables.find((x) => x.key === query.key);
        if (v && query.match(v.value)) return client.getPipeline(project, id);
      }
      return null;
    },

    async getPipeline(project, pipelineId) {
      return toPipeline(await api.Pipelines.show(project, pipelineId));
    },

    async cancelPipeline(project, pipelineId) {
      return toPipeline(await api.Pipelines.cancel(project, pipelineId));
    },

    async failedJobs(project, pipelineId) {
      const jobs = z
        .array(JobJson)
        .parse(await api.Jobs.all(project, { pipelineId, scope: "failed" as never, perPage: 100, maxPages: 1 }));
      return jobs.map((j) => ({ name: j.name, stage: j.stage, failureReason: j.failure_reason ?? null }));
    },

    async setCiConfigPath(project, path) {
      await api.Projects.edit(project, { ciConfigPath: path });
    },

    cloneUrl: (fullPath) => `${settings.url}/${fullPath}.git`,

    async checkToken() {
      const path = `groups/${encodeURIComponent(settings.group)}/projects?per_page=1&simple=true`;
      const response = await transport.send(
        "the token check",
        () =>
          new Request(`${settings.url}/api/v4/${path}`, {
            headers: settings.token ? { "private-token": settings.token } : {},
          }),
        { idempotent: false },
      );
      await response.body?.cancel();
    },
  };
  return client;
}
