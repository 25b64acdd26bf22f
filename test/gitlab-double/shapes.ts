// The double's REST v4 answers: JSON bodies with GitLab's field names, offset pagination headers and the
// `Link` header (src/gitlab/README.md, REST API v4). Pure: the double's state comes in as arguments.
import type { DoubleJob, DoublePipeline, DoubleProject } from "./model";

export const iso = (ms = Date.now()) => new Date(ms).toISOString();
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** One page of `items` with GitLab's offset headers and the `Link` header gitbeaker follows. */
export function paginate(base: string, url: URL, params: Record<string, unknown>, items: unknown[]): Response {
  const perPage = Math.min(100, Math.max(1, Number(params.per_page ?? 20) || 20));
  const page = Math.max(1, Number(params.page ?? 1) || 1);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = (n: number) => {
    const u = new URL(url.pathname + url.search, base);
    u.searchParams.set("page", String(n));
    u.searchParams.set("per_page", String(perPage));
    return u.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${link(page - 1)}>; rel="prev"`);
  if (page < totalPages) links.push(`<${link(page + 1)}>; rel="next"`);
  links.push(`<${link(1)}>; rel="first"`, `<${link(totalPages)}>; rel="last"`);
  return json(slice, 200, {
    "x-page": String(page),
    "x-per-page": String(perPage),
    "x-next-page": page < totalPages ? String(page + 1) : "",
    "x-prev-page": page > 1 ? String(page - 1) : "",
    "x-total": String(items.length),
    "x-total-pages": String(totalPages),
    link: links.join(", "),
  });
}

/** A project as REST v4 shows it; `ci_config_path` only to a caller who may read the code. */
export function projectJson(
  base: string,
  group: string,
  groupIds: ReadonlyMap<string, number>,
  p: DoubleProject,
  canReadCode: boolean,
) {
  return {
    id: p.id,
    description: "",
    name: p.name,
    name_with_namespace: `Arch Linux / Packaging / Packages / ${p.name}`,
    path: p.path,
    path_with_namespace: p.fullPath,
    created_at: p.createdAt,
    default_branch: p.defaultBranch,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: `git@127.0.0.1:${p.fullPath}.git`,
    http_url_to_repo: `${base}/${p.fullPath}.git`,
    web_url: `${base}/${p.fullPath}`,
    visibility: "public",
    archived: p.archived,
    last_activity_at: p.lastActivityAt,
    updated_at: p.updatedAt,
    namespace: {
      id: groupIds.get(group),
      name: "Packages",
      path: group.split("/").pop(),
      kind: "group",
      full_path: group,
      parent_id: groupIds.get(group.split("/").slice(0, -1).join("/")) ?? null,
    },
    // Absent, not null, when the caller may not read the code (src/gitlab/README.md, REST API v4).
    ...(canReadCode ? { ci_config_path: p.ciConfigPath } : {}),
  };
}

/** A pipeline as REST v4 shows it; `detailed` adds what GET of one pipeline adds. */
export function pipelineJson(p: DoublePipeline, detailed: boolean) {
  const base = {
    id: p.id,
    iid: p.iid,
    project_id: p.projectId,
    sha: p.sha,
    ref: p.ref,
    status: p.status,
    source: p.source,
    before_sha: p.beforeSha,
    tag: false,
    yaml_errors: null,
    user: { id: 1, username: "buildbtw", name: "buildbtw", state: "active", avatar_url: "", web_url: "" },
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    started_at: p.startedAt,
    finished_at: p.finishedAt,
    committed_at: null,
    duration: null,
    queued_duration: null,
    coverage: null,
    web_url: p.webUrl,
  };
  if (!detailed) return base;
  return {
    ...base,
    name: null,
    detailed_status: {
      icon: `status_${p.status}`,
      text: p.status,
      label: p.status,
      group: p.status,
      tooltip: p.status,
      has_details: true,
      details_path: new URL(p.webUrl).pathname,
      illustration: null,
      favicon: "",
    },
  };
}

/** A job of a pipeline as REST v4 shows it. */
export function jobJson(base: string, p: DoublePipeline, project: DoubleProject, j: DoubleJob) {
  return {
    id: j.id,
    name: j.name,
    stage: j.stage,
    status: j.status,
    ref: p.ref,
    tag: false,
    allow_failure: false,
    created_at: j.createdAt,
    started_at: j.startedAt,
    finished_at: j.finishedAt,
    erased_at: null,
    duration: null,
    queued_duration: null,
    coverage: null,
    ...(j.status === "failed" ? { failure_reason: j.failureReason } : {}),
    web_url: `${base}/${project.fullPath}/-/jobs/${j.id}`,
    pipeline: { id: p.id, project_id: p.projectId, ref: p.ref, sha: p.sha, status: p.status },
    commit: { id: p.sha },
    user: { id: 1, username: "buildbtw" },
    runner: null,
    artifacts: [],
    artifacts_expire_at: null,
    tag_list: [],
    project: { ci_job_token_scope_enabled: false },
  };
}
