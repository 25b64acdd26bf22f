// The namespace page: iterations and why they exist, architecture tabs, the build graph, the build table,
// cycles, the pacman.conf snippet, and the buttons to cancel, resume and retry.
import type { Activity, BuildNode, Eta, Namespace, ReleaseArch } from "../src/api/schemas";
import type { BuildStatus } from "../src/core/build-states";
import type { DuplicatePkgname } from "../src/core/duplicates";
import type { ArchDiff, GraphDiff } from "../src/core/graph-diff";
import type { NodeExplanation } from "../src/server/usecases/graph-view";
import type { NamespacePage, StatusCounts } from "../src/server/usecases/show-namespace-page";
import {
  BuildTime,
  Columns,
  Commit,
  type CommitUrl,
  CsrfField,
  EtaText,
  More,
  Progress,
  RunsOn,
  STATUS_ORDER,
  Status,
  Time,
} from "./components";
import { DepthGroups, DrawnGraph } from "./graph";
import { reasonText } from "./home";
import { Layout, type Site } from "./layout";
import { type NamespaceLink, urls } from "./urls";

const LIST_CAP = 100;

export interface NamespaceView {
  site: Site;
  page: NamespacePage;
  query: { status?: BuildStatus; q?: string; node?: string };
  commitUrl: CommitUrl;
  /** Live-update cursor: events after this one are replayed when the page connects. */
  since: number;
  /** A finished action to confirm ("cancelled", "retried", …). */
  done?: string;
}

const DONE: Record<string, string> = {
  cancelled: "The namespace is cancelled: no new builds or iterations.",
  resumed: "The namespace is active again; its branches are being checked.",
  retried: "A new iteration was started.",
  "retried-node": "The build was put back in the queue.",
};

export function NamespacePageView(v: NamespaceView) {
  const { page } = v;
  const ns = page.detail.namespace;
  const it = page.iteration;
  const link = (l: NamespaceLink) =>
    urls.namespace(ns.name, { iteration: v.page.iteration?.id, arch: page.arch ?? undefined, ...l });
  const live = it && page.arch ? urls.namespaceEvents(ns.name, it.id, page.arch, v.since) : undefined;
  return (
    <Layout site={v.site} title={`${ns.name}${it ? ` · iteration ${it.id}` : ""}`} live={live}>
      {v.done && DONE[v.done] ? <p class="notice">{DONE[v.done]}</p> : null}
      <NamespaceHead
        ns={ns}
        csrf={v.site.actions}
        now={v.site.now}
        path={v.site.path}
        activity={v.page.detail.activity}
      />
      <Iterations page={page} name={ns.name} now={v.site.now} />
      {!it ? (
        ns.problem ? null : (
          <p class="notice">No iteration yet: the graph is being computed.</p>
        )
      ) : (
        <>
          {it.superseded ? (
            <p class="notice">
              Iteration {it.id} is superseded: its builds are not started any more.{" "}
              <a href={urls.namespace(ns.name)}>See the latest iteration</a>.
            </p>
          ) : null}
          <nav aria-label="Architectures">
            <ul class="tabs">
              {page.arches.map((a) => (
                <li>
                  <a
                    href={urls.namespace(ns.name, { iteration: it.id, arch: a.arch })}
                    aria-current={a.arch === page.arch ? "page" : undefined}
                  >
                    {a.arch} ({a.total} packages)
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          {page.arch ? (
            <>
              <Summary
                counts={page.arches.find((a) => a.arch === page.arch)!.counts}
                total={page.nodes.size}
                arch={page.arch}
                reused={reusedCount(page.nodes.values())}
                eta={it.eta}
              />
              <section aria-labelledby="graph-h">
                <h2 id="graph-h">Build graph</h2>
                {page.graph?.kind === "drawn" ? (
                  <>
                    <p class="muted small">
                      Built left to right: an arrow means the package on its left is built first. Click a package for
                      its build.
                      {page.graph.impliedEdges > 0
                        ? ` ${page.graph.impliedEdges} more edges are implied by longer chains (a → b → c implies a → c) and not drawn.`
                        : ""}
                    </p>
                    <DrawnGraph layout={page.graph.layout} nodes={page.nodes} arch={page.arch} />
                  </>
                ) : page.graph?.kind === "groups" ? (
                  <DepthGroups
                    name={ns.name}
                    iteration={it.id}
                    arch={page.arch}
                    groups={page.graph.groups}
                    open={page.graph.open}
                  />
                ) : null}
              </section>
              {page.focus ? (
                <Focus node={page.focus.node} explanation={page.focus.explanation} nodes={page.nodes} link={link} />
              ) : null}
              <BuildTable v={v} link={link} />
              <Cycles
                removed={it.architectures[page.arch]!.removed_edges}
                cycles={it.architectures[page.arch]!.cycles}
              />
              <DuplicatePkgnames duplicates={it.architectures[page.arch]!.duplicate_pkgnames} />
              {page.release ? <Release release={page.release} name={ns.name} arch={page.arch} /> : null}
            </>
          ) : null}
          <section aria-labelledby="pacman-h">
            <h2 id="pacman-h">Use the packages</h2>
            <p>
              Add this to <code>/etc/pacman.conf</code> (above the official repositories to prefer these builds), then{" "}
              <code>pacman -Syu</code>:
            </p>
            <pre>
              <code>{it.repository.pacman_conf}</code>
            </pre>
          </section>
        </>
      )}
    </Layout>
  );
}

const ACTIONS: Record<string, string> = {
  "namespace.create": "created",
  "namespace.update": "changed",
  "namespace.cancel": "cancelled",
  "namespace.resume": "resumed",
  "namespace.retry": "retried",
  "build.retry": "build retried",
};

export function NamespaceHead(p: {
  ns: Namespace;
  csrf: string | null;
  now: number;
  path: string;
  activity?: Activity[];
}) {
  const ns = p.ns;
  return (
    <div id="ns-head">
      <h1>
        {ns.name} <Status status={ns.status} />
      </h1>
      <dl class="facts">
        <dt>Origin changesets</dt>
        <dd>
          {ns.origin_changesets.map((o, i) => (
            <>
              {i > 0 ? ", " : ""}
              <code>{o}</code>
            </>
          ))}
        </dd>
        {ns.include.length ? (
          <>
            <dt>Membership also follows</dt>
            <dd>{ns.include.join(", ")}</dd>
          </>
        ) : null}
        <dt>Created</dt>
        <dd>
          <Time iso={ns.created_at} now={p.now} />
          {ns.created_by ? (
            <>
              {" by "}
              <span class="actor">{ns.created_by}</span>
            </>
          ) : null}
        </dd>
        {p.activity?.length ? (
          <>
            <dt>Changes</dt>
            <dd>
              <ul class="activity" id="ns-activity">
                {p.activity.slice(0, 5).map((a) => (
                  <li>
                    {ACTIONS[a.action] ?? a.action} by <span class="actor">{a.actor}</span>{" "}
                    <Time iso={a.at} now={p.now} />
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
      </dl>
      {ns.problem ? (
        <p class="notice problem" id="ns-problem" role="alert">
          <strong>Problem:</strong> {ns.problem}
          <br />
          The latest iteration stays as it is until this is fixed; it is checked again on every ref check.
        </p>
      ) : null}
      {p.csrf ? (
        <div class="actions">
          {ns.status === "active" ? (
            <>
              <ActionButton name={ns.name} verb="retry" csrf={p.csrf} label="Retry: new iteration" />
              <ActionButton name={ns.name} verb="cancel" csrf={p.csrf} label="Cancel namespace" danger />
            </>
          ) : (
            <ActionButton name={ns.name} verb="resume" csrf={p.csrf} label="Resume namespace" />
          )}
        </div>
      ) : (
        <p class="muted small">
          <a href={urls.login(p.path)}>Log in</a> to cancel, resume or retry.
        </p>
      )}
    </div>
  );
}

function ActionButton(p: {
  name: string;
  verb: "cancel" | "resume" | "retry";
  csrf: string;
  label: string;
  danger?: boolean;
}) {
  return (
    <form method="post" action={urls.action(p.name, p.verb)}>
      <CsrfField csrf={p.csrf} />
      <button type="submit" class={p.danger ? "danger" : undefined}>
        {p.label}
      </button>
    </form>
  );
}

function Iterations(p: { page: NamespacePage; name: string; now: number }) {
  const shown = p.page.iteration;
  return (
    <section aria-labelledby="iterations-h">
      <h2 id="iterations-h">Iterations</h2>
      {p.page.detail.iterations.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <Columns names={["Iteration", "Created", "Reason"]} />
            <tbody>
              {p.page.detail.iterations.slice(0, 20).map((s) => (
                <tr aria-current={s.id === shown?.id ? "true" : undefined}>
                  <th scope="row">
                    <a href={urls.namespace(p.name, { iteration: s.id })}>#{s.id}</a>
                    {s.id === p.page.latestIterationId ? <span class="muted small"> latest</span> : null}
                    {s.id === shown?.id ? <span class="small"> (shown)</span> : null}
                  </th>
                  <td>
                    <Time iso={s.created_at} now={p.now} />
                  </td>
                  <td>{reasonText(s.reason)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <More shown={20} total={p.page.detail.iterations.length} />
        </div>
      )}
      {shown && p.page.diff ? <Diff diff={p.page.diff} iteration={shown.id} /> : null}
    </section>
  );
}

function capped<T>(items: T[], render: (item: T) => unknown) {
  return (
    <>
      <ul>
        {items.slice(0, LIST_CAP).map((i) => (
          <li>{render(i) as string}</li>
        ))}
      </ul>
      <More shown={LIST_CAP} total={items.length} />
    </>
  );
}

function ArchDiffView(p: { arch: string; d: ArchDiff }) {
  const { d } = p;
  const parts: [string, string, number][] = [
    ["package", "added", d.nodes_added.length],
    ["package", "removed", d.nodes_removed.length],
    ["commit", "changed", d.commits_changed.length],
    ["edge", "added", d.edges_added.length],
    ["edge", "removed", d.edges_removed.length],
  ];
  return (
    <div>
      <h3>
        {p.arch}:{" "}
        <span class="muted small">
          {parts
            .filter(([, , n]) => n > 0)
            .map(([noun, verb, n]) => `${n} ${noun}${n === 1 ? "" : "s"} ${verb}`)
            .join(", ")}
        </span>
      </h3>
      <div class="two-col">
        {d.nodes_added.length ? (
          <div>
            <h4>Packages added</h4>
            {capped(d.nodes_added, (n) => (
              <code>+ {n}</code>
            ))}
          </div>
        ) : null}
        {d.nodes_removed.length ? (
          <div>
            <h4>Packages removed</h4>
            {capped(d.nodes_removed, (n) => (
              <code>− {n}</code>
            ))}
          </div>
        ) : null}
        {d.commits_changed.length ? (
          <div>
            <h4>Commits changed</h4>
            {capped(d.commits_changed, (c) => (
              <>
                <code>{c.pkgbase}</code> <code class="muted">{c.from.slice(0, 10)}</code> →{" "}
                <code>{c.to.slice(0, 10)}</code>
              </>
            ))}
          </div>
        ) : null}
        {d.edges_added.length ? (
          <div>
            <h4>Edges added</h4>
            {capped(d.edges_added, ([f, t]) => (
              <code>
                + {f} → {t}
              </code>
            ))}
          </div>
        ) : null}
        {d.edges_removed.length ? (
          <div>
            <h4>Edges removed</h4>
            {capped(d.edges_removed, ([f, t]) => (
              <code>
                − {f} → {t}
              </code>
            ))}
          </div>
        ) : null}
      </div>
    </div>
  );
}

function Diff(p: { diff: GraphDiff; iteration: number }) {
  const arches = Object.entries(p.diff.per_arch);
  return (
    <details open class="diff">
      <summary>What changed in iteration {p.iteration} (compared with the iteration before it)</summary>
      {p.diff.architectures_added.length ? <p>Architectures added: {p.diff.architectures_added.join(", ")}</p> : null}
      {p.diff.architectures_removed.length ? (
        <p>Architectures removed: {p.diff.architectures_removed.join(", ")}</p>
      ) : null}
      {arches.length === 0 ? <p class="muted">No graph changes.</p> : null}
      {arches.map(([arch, d]) => (
        <ArchDiffView arch={arch} d={d} />
      ))}
    </details>
  );
}

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

function BuildTable(p: { v: NamespaceView; link: (l: NamespaceLink) => string }) {
  const { page, query } = p.v;
  const ns = page.detail.namespace;
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
        <span class="muted small">
          {t.total} build{t.total === 1 ? "" : "s"}, page {t.page} of {t.pages}
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
        <BuildTime
          b={b}
          now={p.now}
          reusedLink={
            b.reused_from_iteration === null
              ? undefined
              : urls.namespace(p.ns, { iteration: b.reused_from_iteration, arch: b.arch })
          }
        />
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

function PackageList(p: {
  items: string[];
  nodes: Map<string, BuildNode>;
  link: (l: NamespaceLink) => string;
  empty: string;
}) {
  if (p.items.length === 0) return <p class="muted small">{p.empty}</p>;
  return (
    <>
      <ul class="members">
        {p.items.slice(0, LIST_CAP).map((pkgbase) => {
          const b = p.nodes.get(pkgbase);
          return (
            <li>
              <span class="status" data-status={b?.status ?? "blocked"} data-build={b?.id}>
                <a href={`${p.link({ node: pkgbase })}#focus`}>{pkgbase}</a>
                <span class="small muted">
                  {" "}
                  (<span class="st-word">{b?.status}</span>)
                </span>
              </span>
            </li>
          );
        })}
      </ul>
      <More shown={LIST_CAP} total={p.items.length} />
    </>
  );
}

function Focus(p: {
  node: BuildNode;
  explanation: NodeExplanation;
  nodes: Map<string, BuildNode>;
  link: (l: NamespaceLink) => string;
}) {
  const e = p.explanation;
  const b = p.node;
  return (
    <section id="focus" aria-labelledby="focus-h">
      <h2 id="focus-h">
        {b.pkgbase} <Status status={b.status} />{" "}
        <a class="small" href={urls.build(b.id)}>
          build and log
        </a>{" "}
        <a class="small" href={p.link({})}>
          close
        </a>
      </h2>
      <div class="two-col">
        <div>
          <h3>What blocks {b.pkgbase}</h3>
          {e.waitingOn.length === 0 ? (
            <p class="small">Nothing: every dependency is built.</p>
          ) : (
            <>
              <p class="small">
                It waits for {e.waitingOn.length} unbuilt package{e.waitingOn.length === 1 ? "" : "s"}; these hold it up
                now (their own dependencies are built, or they failed):
              </p>
              <PackageList items={e.holdingUp} nodes={p.nodes} link={p.link} empty="—" />
            </>
          )}
          <h4>Direct dependencies ({e.dependencies.length})</h4>
          <PackageList items={e.dependencies} nodes={p.nodes} link={p.link} empty="None in this graph." />
        </div>
        <div>
          <h3>What {b.pkgbase} unblocks</h3>
          <p class="small">
            {e.unblocks.length === 1 ? "1 package" : `${e.unblocks.length} packages`} in this graph{" "}
            {e.unblocks.length === 1 ? "waits" : "wait"} for it, directly or not.
          </p>
          <h4>Direct dependents ({e.dependents.length})</h4>
          <PackageList items={e.dependents} nodes={p.nodes} link={p.link} empty="None: nothing waits for it." />
          {e.unblocks.length > e.dependents.length ? (
            <details>
              <summary>All {e.unblocks.length}, in build order</summary>
              <PackageList items={e.unblocks} nodes={p.nodes} link={p.link} empty="—" />
            </details>
          ) : null}
        </div>
      </div>
    </section>
  );
}

const EDGE_WORDS: Record<string, string> = {
  depends: "depends on",
  makedepends: "needs to build (makedepends)",
  checkdepends: "needs for its tests (checkdepends)",
};

function Release(p: { release: ReleaseArch; name: string; arch: string }) {
  const r = p.release;
  return (
    <section aria-labelledby="release-h" id="release">
      <h2 id="release-h">Release check ({p.arch})</h2>
      {r.releasable ? (
        <p>
          <strong>Releasable</strong>: every build is built and releasing them leaves every dependency met. Download
          them into your checkouts with <code>buildbtw download {p.name} --into DIR</code>, then{" "}
          <code>pkgctl release</code> in each.
        </p>
      ) : (
        <>
          <p>
            <strong>Not releasable</strong>:
          </p>
          {capped(r.reasons, (reason) => (
            <>{reason}</>
          ))}
        </>
      )}
      {r.pkgbases.length === 0 ? null : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Versions at main and as built</caption>
            <Columns names={["Package", "At main", "Built", "Kind", "Status", { num: "Files" }, "Sonames"]} />
            <tbody>
              {r.pkgbases.slice(0, LIST_CAP).map((b) => (
                <tr>
                  <th scope="row">{b.pkgbase}</th>
                  <td>{b.main_version ?? <span class="muted">new</span>}</td>
                  <td>{b.built_version}</td>
                  <td>{b.kind}</td>
                  <td>{b.status}</td>
                  <td class="num">{b.files.length}</td>
                  <td class="small">
                    {b.sonames && (b.sonames.before.length || b.sonames.after.length)
                      ? `${b.sonames.before.join(" ") || "none"} → ${b.sonames.after.join(" ") || "none"}`
                      : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <More shown={LIST_CAP} total={r.pkgbases.length} />
        </div>
      )}
    </section>
  );
}

function DuplicatePkgnames(p: { duplicates: DuplicatePkgname[] }) {
  if (p.duplicates.length === 0) return null;
  return (
    <section aria-labelledby="duplicates-h">
      <h2 id="duplicates-h">Pkgnames built twice ({p.duplicates.length})</h2>
      <p class="small">
        These pkgbases build a package of the same name, so their files have the same name in this namespace's
        repository. The repository keeps the first upload and never replaces it; the other build fails. Rename or drop
        one of the packages.
      </p>
      {capped(p.duplicates, (d) => (
        <>
          <code>{d.pkgname}</code> is built by{" "}
          {d.pkgbases.map((b, i) => (
            <>
              {i > 0 ? " and " : ""}
              <code>{b}</code>
            </>
          ))}
        </>
      ))}
    </section>
  );
}

function Cycles(p: { cycles: string[][]; removed: { from: string; to: string; kind: string }[] }) {
  if (p.cycles.length === 0 && p.removed.length === 0) return null;
  return (
    <section aria-labelledby="cycles-h">
      <h2 id="cycles-h">Cycles ({p.cycles.length})</h2>
      <p class="small">
        These packages depend on each other in a circle, so no order can build each after all its dependencies. A cycle
        never fails the namespace: buildbtw ignores some of the cycle's edges — checkdepends first, then makedepends,
        then edges into the member with the smallest name — and builds the rest in order. The ignored edges are listed
        below: the dependent may be built before that dependency, against the version of it that is already available.
      </p>
      {capped(p.cycles, (c) => (
        <>
          {c.map((m, i) => (
            <>
              {i > 0 ? " ⇄ " : ""}
              <code>{m}</code>
            </>
          ))}
        </>
      ))}
      {p.removed.length ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Edges ignored to break cycles</caption>
            <Columns names={["Package", "Ignored dependency", "Meaning"]} />
            <tbody>
              {p.removed.slice(0, LIST_CAP).map((e) => (
                <tr>
                  <th scope="row">
                    <code>{e.to}</code>
                  </th>
                  <td>
                    {EDGE_WORDS[e.kind] ?? e.kind} <code>{e.from}</code>
                  </td>
                  <td class="small">
                    {e.to} is not made to wait for {e.from}'s build in this iteration.
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <More shown={LIST_CAP} total={p.removed.length} />
        </div>
      ) : null}
    </section>
  );
}
