import { describe, expect, test } from "bun:test";
import { loadServerConfig } from "../config/server";
import { sourceUrlOf } from "./serve";

const urlFor = (env: Record<string, string>, pkgbase: string) =>
  sourceUrlOf(loadServerConfig({ repos: "/srv/repos" }, env))(pkgbase);

describe("where builds fetch their sources", () => {
  test("the local repository, the pkgbase's GitLab project in GitLab mode, or the template", () => {
    expect(urlFor({}, "zlib")).toBe("/srv/repos/zlib");
    const gitlab = { GITLAB_TOKEN: "glpat-x", GITLAB_DOMAIN: "gitlab.test", GITLAB_PACKAGES_GROUP: "arch/pkgs" };
    expect(urlFor(gitlab, "libsigc++")).toBe("https://gitlab.test/arch/pkgs/libsigcplusplus.git");
    const template = { BUILDBTW_SOURCE_URL_TEMPLATE: "https://git.test/{pkgbase}.git" };
    expect(urlFor(template, "zlib")).toBe("https://git.test/zlib.git");
    expect(urlFor({ ...gitlab, ...template }, "zlib")).toBe("https://git.test/zlib.git");
  });

  test("a pkgbase never leaves REPOS_DIR", () => {
    expect(() => urlFor({}, "../etc")).toThrow();
  });
});
