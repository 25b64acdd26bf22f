// A namespace page's builds: the summary with progress and ETA, the status tabs, the search, and one page of
// the build table (the page's read model bounds it: a search over any number of builds renders one page).
import type { BuildNode, Eta } from "../src/api/schemas";
import type { BuildStatus } from "../src/core/build-states";
import type { StatusCounts } from "../src/server/usecases/show-namespace-page";
import {
  BuildTime,
  Columns,
  Commit,
  type CommitUrl,
  CsrfField,
  EtaText,
  Progress,
  RunsOn,
  STATUS_ORDER,
} from "./components";
import type { NamespaceView } from "./namespace";
import { type NamespaceLink, urls } from "./urls";

export const reusedCount = (nodes: Iterable<Pick<BuildNode, "reused_from_iteration">>): number => {
  let n = 0;
  for (const b of nodes) if (b.reused_from_iteration !== null) n++;
  return n;
};

export function Summary(p: {
  counts: StatusCounts;
  total: number;
  arch: string;
  /** Nodes reused from earlier iterations instead of built. */
  reused: number;
  eta: Eta | null;
}) {
  return (
    <div id="summary">
      <Progress counts={p.counts} total={p.total} />
      <p class="small">
        {p.arch}: {p.counts.built ?? 0} of {p.total} built
        {p.reused > 0 ? ` (${p.reused} reused from earlier iterations)` : ""}, {p.counts.failed ?? 0} failed,{" "}
        {(p.counts.building ?? 0) + (p.counts.scheduled ?? 0)} running, {p.counts.pending ?? 0} waiting for a worker,{" "}
        {p.counts.blocked ?? 0} blocked.
      </p>
      {p.eta ? (
        <p class="small">
          This iteration is <EtaText eta={p.eta} />.
        </p>
      ) : null}
    </div>
  );
}

export function StatusTabs(p: {
  counts: StatusCounts;
  total: number;
  current?: BuildStatus;
  link: (l: NamespaceLink) => string;
  q?: string;
}) {
  return (
    <ul class="tabs" id="status-tabs" aria-label="Filter by status">
      <li>
        <a href={p.link({ q: p.q })} aria-current={p.current ? undefined : "page"}>
          all ({p.total})
        </a>
      </li>
      {STATUS_ORDER.map((s) => (
        <li>
          <a href={p.link({ status: s, q: p.q })} aria-current={p.current === s ? "page" : undefined}>
            <span class="status" data-status={s}>
              {s} ({p.counts[s] ?? 0})
            </span>
          </a>
        </li>
      ))}
    </ul>
  );
}

export function BuildTable(p: { v: NamespaceView; link: (l: NamespaceLink) => string }) {
  const { page, query } = p.v;
  const ns = page.namespace;
  const t = page.table;
  const counts = page.arches.find((a) => a.arch === page.arch)?.counts ?? {};
  const base = urls.namespace(ns.name, { iteration: page.iteration?.id });
  return (
    <section id="builds" aria-labelledby="builds-h">
      <h2 id="builds-h">Builds</h2>
      <div class="filters">
        <StatusTabs counts={counts} total={page.nodes.size} current={query.status} link={p.link} q={query.q} />
        <search>
          <form method="get" action={base}>
            {page.arch ? <input type="hidden" name="arch" value={page.arch} /> : null}
            {query.status ? <input type="hidden" name="status" value={query.status} /> : null}
            <label for="q">Package</label>
            <input
              id="q"
              type="search"
              name="q"
              value={query.q ?? ""}
              placeholder="pkgbase contains…"
              hx-get={base}
              hx-include="closest form"
              hx-trigger="input changed delay:300ms, search"
              hx-select="#builds"
              hx-target="#builds"
              hx-swap="outerHTML"
              hx-push-url="true"
            />
            <button type="submit">Search</button>
          </form>
        </search>
      </div>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">
            Builds in build order{query.status ? `, status ${query.status}` : ""}
            {query.q ? `, pkgbase containing ${query.q}` : ""}
          </caption>
          <Columns
            names={["Status", "Package", "Version", "Commit", "Runs on", "Duration", { num: "Attempts" }, "Details"]}
          />
          <tbody>
            {t.rows.length === 0 ? (
              <tr>
                <td colspan={8} class="muted">
                  No builds match.
                </td>
              </tr>
            ) : (
              t.rows.map((b) => (
                <BuildRow
                  b={b}
                  ns={ns.name}
                  csrf={p.v.site.actions}
                  commitUrl={p.v.commitUrl}
                  now={p.v.site.now}
                  back={p.v.site.path}
                  nodeLink={p.link({ node: b.pkgbase })}
                  active={ns.status === "active" && !page.iteration?.superseded}
                />
              ))
            )}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages of builds">
        <span class="muted small" id="table-count">
          {t.total === 0
            ? "no builds"
            : t.rows.length === t.total
              ? `${t.total} build${t.total === 1 ? "" : "s"}`
              : `showing ${t.first + 1}–${t.first + t.rows.length} of ${t.total} builds, page ${t.page} of ${t.pages}`}
          {query.q ? ` matching “${query.q}”` : ""}
        </span>
        {t.page > 1 ? (
          <a href={p.link({ status: query.status, q: query.q, page: t.page - 1 })} rel="prev">
            ← previous
          </a>
        ) : null}
        {t.page < t.pages ? (
          <a href={p.link({ status: query.status, q: query.q, page: t.page + 1 })} rel="next">
            next →
          </a>
        ) : null}
      </nav>
    </section>
  );
}

export function BuildRow(p: {
  b: BuildNode;
  ns: string;
  csrf: string | null;
  commitUrl: CommitUrl;
  now: number;
  /** Where a retry without JavaScript comes back to. */
  back: string;
  nodeLink: string;
  /** Retry is offered only in an active namespace's latest iteration. */
  active: boolean;
}) {
  const b = p.b;
  return (
    <tr id={`build-${b.id}`}>
      <td>
        <span class="status" data-status={b.status} data-build={b.id}>
          <span class="st-word">{b.status}</span>
        </span>
      </td>
      <th scope="row">
        <a href={urls.build(b.id)}>{b.pkgbase}</a>{" "}
        <a class="small" href={`${p.nodeLink}#focus`} title={`What blocks ${b.pkgbase}, what it unblocks`}>
          deps
        </a>
      </th>
      <td class="version" data-kind={b.kind}>
        {b.version_text}
      </td>
      <td>
        <Commit pkgbase={b.pkgbase} commit={b.commit} commitUrl={p.commitUrl} />
      </td>
      <td>
        {b.status === "pending" || b.status === "blocked" ? (
          <span class="muted">—</span>
        ) : (
          <RunsOn worker={b.worker} pipelineUrl={b.pipeline_url} />
        )}
      </td>
      <td>
        <BuildTime b={b} now={p.now} namespace={p.ns} />
      </td>
      <td class="num">{b.attempts}</td>
      <td>
        {b.status === "blocked" && b.blocked_by.length ? (
          <span class="small">
            waits for {b.blocked_by.slice(0, 5).join(", ")}
            {b.blocked_by.length > 5 ? ` and ${b.blocked_by.length - 5} more` : ""}
          </span>
        ) : null}
        {b.status === "failed" ? (
          <div class="small">
            {b.failure_reason ?? "failed"}
            {p.csrf && p.active ? (
              <form
                method="post"
                action={urls.action(p.ns, "retry-node")}
                hx-post={urls.action(p.ns, "retry-node")}
                hx-target="closest tr"
                hx-swap="outerHTML"
              >
                <CsrfField csrf={p.csrf} />
                <input type="hidden" name="pkgbase" value={b.pkgbase} />
                <input type="hidden" name="arch" value={b.arch} />
                <input type="hidden" name="next" value={p.back} />
                <button type="submit" class="small">
                  Retry {b.pkgbase}
                </button>
              </form>
            ) : null}
          </div>
        ) : null}
      </td>
    </tr>
  );
}
