// The `vmexec` isolation (the predecessor's runner set-up on Arch hosts): every build in a throwaway Arch VM
// with the package sources mounted read-only and an output directory mounted for the packages. vmexec cannot
// run on this Debian development machine, so everything here is a command line and a script, tested as such.
import type { VmexecSettings } from "../config/executor";

/** Where the VM sees the host directories (vmexec --volume HOST:GUEST[:ro]). */
export const GUEST = { bin: "/mnt/bin", source: "/mnt/src_repo", output: "/mnt/output" } as const;
export const VM_SCRIPT_NAME = "build-in-vm.sh";

export interface VmBuild {
  /** Host directory holding VM_SCRIPT_NAME, mounted read-only. */
  binDir: string;
  /** The job's checkout, mounted read-only. */
  source: string;
  /** Where the packages must end up, mounted read-write. */
  output: string;
  arch: string;
  repositoryName: string;
  /** The namespace repository as the VM reaches it (see urlSeenFromVm). */
  repositoryUrl: string;
}

/** prepare: pull the image if it is missing or outdated and boot it once, so the build's VM starts from a warm snapshot. */
export function vmexecPrepareCommand(s: VmexecSettings): string[] {
  return [
    "vmexec",
    "run",
    s.image,
    "--pull",
    "newer",
    "--pmem",
    s.pmem,
    "--ssh-timeout",
    String(s.sshTimeoutS),
    "--",
    "echo",
    "buildbtw: VM image ready",
  ];
}

/** build_script: one VM, removed when it ends (`--rm`), running the build script on the mounted sources. */
export function vmexecBuildCommand(s: VmexecSettings, b: VmBuild): string[] {
  for (const dir of [b.binDir, b.source, b.output]) {
    // vmexec splits --volume at ':'; such a path would mount something else.
    if (dir.includes(":") || dir.includes(","))
      throw new Error(`${JSON.stringify(dir)} cannot be mounted into a vmexec VM (it contains ':' or ',')`);
  }
  return [
    "vmexec",
    "run",
    s.image,
    "--rm",
    "--pmem",
    s.pmem,
    "--ssh-timeout",
    String(s.sshTimeoutS),
    "--volume",
    `${b.binDir}:${GUEST.bin}:ro`,
    "--volume",
    `${b.source}:${GUEST.source}:ro`,
    "--volume",
    `${b.output}:${GUEST.output}`,
    "--",
    `${GUEST.bin}/${VM_SCRIPT_NAME}`,
    b.arch,
    b.repositoryName,
    b.repositoryUrl,
  ];
}

/**
 * vmexec VMs use QEMU's user-mode networking: the host's loopback is 10.0.2.2 inside the VM. A server the
 * runner reaches on localhost is reached there; any other address is the same from both sides.
 */
export function urlSeenFromVm(url: string): string {
  const u = new URL(url);
  if (["localhost", "127.0.0.1", "[::1]"].includes(u.hostname)) u.hostname = "10.0.2.2";
  return u.toString();
}

/**
 * Runs as root inside the throwaway Arch VM. Installs devtools, puts the namespace's repository first in the
 * build chroot's pacman configuration (pacman takes a package from the first repository that has it, and the
 * namespace's rebuilt dependencies must win), then builds with `pkgctl build` as an unprivileged user into
 * the mounted output directory. Upstream PGP keys shipped in keys/pgp are imported for source verification.
 */
export const VM_BUILD_SCRIPT = `#!/usr/bin/bash
set -o nounset -o errexit -o pipefail

arch=$1
repository_name=\${2:-}
repository_url=\${3:-}

echo "==> buildbtw: installing devtools"
pacman --noconfirm --needed -Syu devtools

if [[ -n $repository_name && -n $repository_url ]]; then
  echo "==> buildbtw: adding [$repository_name] at $repository_url before the distribution's repositories"
  for conf in /usr/share/devtools/pacman.conf.d/*.conf; do
    awk -v name="$repository_name" -v url="$repository_url" '
      !done && /^\\[/ && !/^\\[options\\]/ {
        printf "[%s]\\nSigLevel = Optional TrustAll\\nServer = %s\\n\\n", name, url
        done = 1
      }
      { print }
    ' "$conf" > "$conf.buildbtw"
    mv "$conf.buildbtw" "$conf"
  done
fi

useradd --create-home builder
printf 'builder ALL=(ALL:ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/buildbtw-builder

# The sources are mounted read-only: build from a copy the build user owns.
cp --recursive --no-target-directory ${GUEST.source} /build
chown --recursive builder: /build
cd /build

if compgen -G 'keys/pgp/*.asc' > /dev/null; then
  sudo -u builder gpg --import keys/pgp/*.asc
fi

export PKGDEST=${GUEST.output}
export PACKAGER="buildbtw <buildbtw@$(uname -n)>"
sudo --preserve-env=PKGDEST,PACKAGER -u builder pkgctl build --arch "$arch"
`;
