// What every backend that sets up a Linux machine for the dev environment (aws
// through cloud-init, ssh through its install script) applies the same way: Big
// Bang's kernel settings and modules (from its k3d-dev.sh), the packages, and the
// pinned tool installer run over SSH.
import * as path from "path";

/**
 * The tool installer, run over SSH by the host's `tools` step (not from the user-data:
 * a version change then upgrades the tools in place instead of replacing the host).
 */
export const INSTALL_TOOLS_SCRIPT = path.join(__dirname, "scripts", "install-tools.sh");

/** Kernel settings from Big Bang's k3d-dev.sh: Elasticsearch/OpenSearch mmap counts and the file and inotify limits many pods need. */
export const KERNEL_SETTINGS: Readonly<Record<string, number>> = {
    "vm.max_map_count": 524288,
    "fs.nr_open": 13181252,
    "fs.file-max": 13181250,
    "fs.inotify.max_user_instances": 1024,
    "fs.inotify.max_user_watches": 1048576,
};

/** Modules Istio's iptables redirection needs, as loaded by Big Bang's k3d-dev.sh. */
export const KERNEL_MODULES: readonly string[] = ["br_netfilter", "nf_nat_redirect", "xt_REDIRECT", "xt_owner", "xt_statistic"];

export const DOCKER_PACKAGES: readonly string[] = ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin"];
/** curl and ca-certificates for the tool downloads, jq for scripts that read JSON on the host. */
export const BASE_PACKAGES: readonly string[] = ["ca-certificates", "curl", "jq"];
