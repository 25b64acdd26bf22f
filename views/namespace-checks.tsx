// What a namespace page says could stop a release: the release check, pkgnames built twice, and cycles with
// the edges ignored to break them.
import type { ReleaseArch } from "../src/api/schemas";
import type { DuplicatePkgname } from "../src/core/duplicates";
import { Columns, capped, LIST_CAP, More } from "./components";

const EDGE_WORDS: Record<string, string> = {
  depends: "depends on",
  makedepends: "needs to build (makedepends)",
  checkdepends: "needs for its tests (checkdepends)",
};

export function Release(p: { release: ReleaseArch; name: string; arch: string }) {
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

export function DuplicatePkgnames(p: { duplicates: DuplicatePkgname[] }) {
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

export function Cycles(p: { cycles: string[][]; removed: { from: string; to: string; kind: string }[] }) {
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
