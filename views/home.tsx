// The home page: namespaces with their progress, builds running anywhere, connected workers.
import type { Home, NamespaceRow, RunningBuild, WorkerRow } from "../src/server/usecases/show-home";
import { Columns, Duration, EtaShort, Progress, RunsOn, Status, Time } from "./components";
import { Layout, type Site } from "./layout";
import { urls } from "./urls";

const REASONS: Record<string, string> = {
  first: "first",
  origin_changesets_changed: "origins edited",
  graph_changed: "graph changed",
  retry: "retry",
};
export const reasonText = (reason: string): string => REASONS[reason] ?? reason;

export function HomePage(p: { site: Site; home: Home; since: number }) {
  const active = p.home.namespaces.filter((n) => n.status === "active").length;
  return (
    <Layout site={p.site} title="Namespaces" live={urls.homeEvents(p.since)}>
      <h1>Namespaces</h1>
      <p class="muted">
        {active} active, {p.home.namespaces.length - active} cancelled. Create one with{" "}
        <code>buildbtw new pkgbase/ref…</code> or <code>POST /api/v1/namespaces</code>.
      </p>
      <section aria-labelledby="namespaces-h">
        <h2 id="namespaces-h" class="visually-hidden">
          All namespaces
        </h2>
        <div class="table-wrap">
          <table>
            <Columns
              names={[
                "Namespace",
                "Status",
                "Origin changesets",
                "Created",
                "Progress",
                { num: "Built" },
                { num: "Failed" },
                { num: "Total" },
                "Latest iteration",
                "Expected finish",
              ]}
            />
            <tbody>
              {p.home.namespaces.length === 0 ? (
                <tr>
                  <td colspan={10} class="muted">
                    No namespaces yet.
                  </td>
                </tr>
              ) : (
                p.home.namespaces.map((n) => <NamespaceRowView ns={n} now={p.site.now} />)
              )}
            </tbody>
          </table>
        </div>
      </section>
      <Running builds={p.home.running} now={p.site.now} />
      <Workers workers={p.home.workers} now={p.site.now} />
    </Layout>
  );
}

export function NamespaceRowView(p: { ns: NamespaceRow; now: number }) {
  const counts = p.ns.counts as Record<string, number>;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return (
    <tr id={`ns-${p.ns.name}`}>
      <th scope="row">
        <a href={urls.namespace(p.ns.name)}>{p.ns.name}</a>
      </th>
      <td>
        <Status status={p.ns.status} />
      </td>
      <td>
        {p.ns.origin_changesets.map((o, i) => (
          <>
            {i > 0 ? ", " : ""}
            <code>{o}</code>
          </>
        ))}
      </td>
      <td>
        <Time iso={p.ns.created_at} now={p.now} />
      </td>
      <td>
        <Progress counts={counts} total={total} />
      </td>
      <td class="num">{counts.built ?? 0}</td>
      <td class="num">{counts.failed ?? 0}</td>
      <td class="num">{total}</td>
      <td>
        {p.ns.latest_iteration ? (
          <a href={urls.namespace(p.ns.name, { iteration: p.ns.latest_iteration.id })}>
            #{p.ns.latest_iteration.id} ({reasonText(p.ns.latest_iteration.reason)})
          </a>
        ) : (
          <span class="muted">none yet</span>
        )}
        {p.ns.problem ? (
          <span class="problem" title={p.ns.problem}>
            {" "}
            ⚠ problem
          </span>
        ) : null}
      </td>
      <td>{p.ns.eta ? <EtaShort eta={p.ns.eta} /> : <span class="muted">—</span>}</td>
    </tr>
  );
}

export function Running(p: { builds: RunningBuild[]; now: number }) {
  return (
    <section id="running" aria-labelledby="running-h">
      <h2 id="running-h">Running builds ({p.builds.length})</h2>
      {p.builds.length === 0 ? (
        <p class="muted">Nothing is building right now.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <Columns names={["Package", "Namespace", "Arch", "Status", "Runs on", "Elapsed"]} />
            <tbody>
              {p.builds.map((b) => (
                <tr>
                  <th scope="row">
                    <a href={urls.build(b.id)}>{b.pkgbase}</a>
                  </th>
                  <td>
                    <a href={urls.namespace(b.namespace, { iteration: b.iteration })}>{b.namespace}</a>
                  </td>
                  <td>{b.arch}</td>
                  <td>
                    <Status status={b.status} />
                  </td>
                  <td>
                    <RunsOn worker={b.worker} pipelineUrl={b.pipeline_url} />
                  </td>
                  <td>
                    <Duration started={b.started_at} finished={null} now={p.now} running={true} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function Workers(p: { workers: WorkerRow[]; now: number }) {
  return (
    <section id="workers" aria-labelledby="workers-h">
      <h2 id="workers-h">Workers ({p.workers.length})</h2>
      {p.workers.length === 0 ? (
        <p class="muted">
          No workers yet: create a token with <code>buildbtw token create --worker NAME</code> on the server host, then
          run <code>buildbtw worker --token TOKEN</code> on a build host.
        </p>
      ) : (
        <div class="table-wrap">
          <table>
            <Columns names={["Worker", "Architectures", "Current builds", "Last seen"]} />
            <tbody>
              {p.workers.map((w) => (
                <tr id={`worker-${w.name}`}>
                  <th scope="row">{w.name}</th>
                  <td>{w.architectures.length ? w.architectures.join(", ") : <span class="muted">—</span>}</td>
                  <td>
                    {w.builds.length === 0 ? (
                      <span class="muted">idle</span>
                    ) : (
                      w.builds.map((b, i) => (
                        <>
                          {i > 0 ? ", " : ""}
                          <a href={urls.build(b.id)}>{b.pkgbase}</a>
                          <span class="muted small"> ({b.namespace})</span>
                        </>
                      ))
                    )}
                  </td>
                  <td>
                    <Time iso={w.lastSeen} now={p.now} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
