// The namespace page: its head and iterations, architecture tabs, the build graph, the builds, a selected
// node, what could stop a release, and the pacman.conf snippet. Each part lives in its own file.
import type { BuildStatus } from "../src/core/build-states";
import type { NamespacePage } from "../src/server/usecases/show-namespace-page";
import type { CommitUrl } from "./components";
import { DepthGroups, DrawnGraph } from "./graph";
import { Layout, type Site } from "./layout";
import { BuildTable, reusedCount, Summary } from "./namespace-builds";
import { Cycles, DuplicatePkgnames, Release } from "./namespace-checks";
import { Focus } from "./namespace-focus";
import { Iterations, NamespaceHead } from "./namespace-head";
import { type NamespaceLink, urls } from "./urls";

export { BuildRow, reusedCount, StatusTabs, Summary } from "./namespace-builds";
export { NamespaceHead } from "./namespace-head";

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
  const ns = page.namespace;
  const it = page.iteration;
  const link = (l: NamespaceLink) =>
    urls.namespace(ns.name, { iteration: v.page.iteration?.id, arch: page.arch ?? undefined, ...l });
  const live = it && page.arch ? urls.namespaceEvents(ns.name, it.id, page.arch, v.since) : undefined;
  return (
    <Layout site={v.site} title={`${ns.name}${it ? ` · iteration ${it.id}` : ""}`} live={live}>
      {v.done && DONE[v.done] ? <p class="notice">{DONE[v.done]}</p> : null}
      <NamespaceHead ns={ns} csrf={v.site.actions} now={v.site.now} path={v.site.path} activity={v.page.activity} />
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
              {page.checks ? (
                <>
                  <Cycles removed={page.checks.removedEdges} cycles={page.checks.cycles} />
                  <DuplicatePkgnames duplicates={page.checks.duplicates} />
                </>
              ) : null}
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
              <code>{it.pacmanConf}</code>
            </pre>
          </section>
        </>
      )}
    </Layout>
  );
}
