// Pure planning for the `local` backend (the workstation's own Docker): where
// its files go, the environment every local command runs in, and the checks
// prepare makes against the engine (version, memory) and the registry's name.
// No resources, no I/O: localProbe.ts asks the workstation, localHost.ts builds.
import * as path from "path";
import { PROJECT } from "../../config/config";
import { K3D_MIN_DOCKER_VERSION } from "../../config/pins";
import { shellQuote } from "../hostPlan";

/** The address of the host on `local`: the k3d API, the registry and the cluster ports bind here. */
export const LOCAL_ADDRESS = "127.0.0.1";

export interface LocalPaths {
    /** `~/.bigbang-oci-dev/<stack>`: the program's folder on the workstation (staging, tools, kubeconfig). */
    workDir: string;
    /** Where the pinned k3d, kubectl and Helm go (Linux): first on PATH in every local command. */
    binDir: string;
    /**
     * The kubeconfig k3d merges the cluster into (KUBECONFIG in every local command), so that the
     * developer's own ~/.kube/config and current context are left alone: k3d v5.8.3
     * pkg/client/kubeconfig.go KubeconfigGetDefaultPath uses client-go's default loading rules,
     * which take a single-file KUBECONFIG as the default file.
     */
    kubeconfig: string;
    /** Holds the `helm` that pushes through the Helm container (helm-container.sh), when pushes need it. */
    helmShimDir: string;
}

export function localPaths(homeDir: string, stack: string): LocalPaths {
    // Pulumi allows "." and ".." as stack names' characters; as a folder name they would escape the
    // program's folder, and destroy removes workDir.
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || /^\.+$/.test(stack)) throw new Error(`${PROJECT}: the stack name ${JSON.stringify(stack)} cannot name a folder`);
    if (!path.isAbsolute(homeDir)) throw new Error(`${PROJECT}: the home directory ${JSON.stringify(homeDir)} is not absolute`);
    const workDir = path.join(homeDir, `.${PROJECT}`, stack);
    return {
        workDir,
        binDir: path.join(workDir, "bin"),
        kubeconfig: path.join(workDir, "kubeconfig"),
        helmShimDir: path.join(workDir, "helm-container"),
    };
}

/** When pushes go through the pinned Helm container: its image and the Docker network it joins. */
export interface HelmContainer {
    image: string;
    network: string;
}

/**
 * The shell text every local command starts with (pulumi-command runs it with /bin/sh -c): the
 * program's tools first on PATH, the program's kubeconfig, and, when pushes go through the Helm
 * container, the `helm` of helm-container.sh ahead of them with what it needs. Text, not the
 * command's `environment` input: PATH is extended, not replaced, and the workstation's own PATH
 * stays out of the state and the diff.
 */
export function localCommandPrefix(paths: LocalPaths, helm?: HelmContainer): string {
    const dirs = helm ? [paths.helmShimDir, paths.binDir] : [paths.binDir];
    const vars: [string, string][] = [["KUBECONFIG", shellQuote(paths.kubeconfig)]];
    if (helm) {
        vars.push(
            ["BBOD_HELM_IMAGE", shellQuote(helm.image)],
            ["BBOD_HELM_NETWORK", shellQuote(helm.network)],
        );
    }
    const assignments = [`PATH=${dirs.map(shellQuote).join(":")}:"$PATH"`, ...vars.map(([k, v]) => `${k}=${v}`)];
    return `${assignments.join(" ")}; export ${["PATH", ...vars.map(([k]) => k)].join(" ")}; `;
}

/** How the workstation gets the tools: downloaded and checked (Linux), or found on PATH (macOS). */
export type LocalToolsMode = "install" | "check";

export function localToolsMode(platform: NodeJS.Platform): LocalToolsMode | undefined {
    if (platform === "linux") return "install";
    if (platform === "darwin") return "check";
    return undefined;
}

/** Docker's versions ("20.10.5", "27.3.1", "28.0.0-rc.1", "26.1.5+dfsg1") as numbers to compare. */
export function parseEngineVersion(version: string): [number, number, number] | undefined {
    const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
    return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? "0")] : undefined;
}

/** A problem when the engine is older than k3d needs (pins.ts K3D_MIN_DOCKER_VERSION), else undefined. */
export function engineVersionProblem(serverVersion: string, minimum = K3D_MIN_DOCKER_VERSION): string | undefined {
    const have = parseEngineVersion(serverVersion);
    const need = parseEngineVersion(minimum);
    if (!need) throw new Error(`bad minimum Docker version ${minimum}`);
    const prefix = `${PROJECT}:host.backend: local`;
    if (!have) return `${prefix}: cannot read the Docker Engine's version from ${JSON.stringify(serverVersion)}; k3d needs ${minimum} or newer`;
    for (let i = 0; i < 3; i++) {
        if (have[i] > need[i]) return undefined;
        if (have[i] < need[i]) {
            return `${prefix}: the Docker Engine is ${serverVersion}, older than the ${minimum} k3d needs (k3d's docs/faq/compatibility.md); upgrade Docker, or point DOCKER_HOST at a newer engine`;
        }
    }
    return undefined;
}

/**
 * Memory estimates, in bytes (decimal GB, as the sources state them):
 * - a k3d cluster alone: 2 GB. K3s's resource profiling (docs.k3s.io/reference/resource-profiling)
 *   measured 1606 M for "K3s server with a workload" (embedded etcd); the registry and the load
 *   balancer container come on top.
 * - Big Bang: 16 GB for its default packages. Big Bang's prerequisites page
 *   (docs-bigbang.dso.mil/latest/docs/getting-started/prerequisites, "Minimum Hardware
 *   Requirements") recommends "Memory: 16 GB" for "a default Big Bang installation", and says
 *   "Deploying additional packages will increase the overall requirements".
 * - each enabled package beyond Big Bang's defaults: 2 GB more. This program's own rough figure
 *   (Big Bang publishes none per package: "each package will include its own recommended minimum
 *   hardware requirements ... in the values.yaml file"); its quick start asks for 32 GB for a
 *   developer's cluster.
 */
export const MEMORY_ESTIMATE_BYTES = {
    clusterOnly: 2e9,
    bigbangDefaults: 16e9,
    perExtraPackage: 2e9,
} as const;

export interface BigbangPackagesPlan {
    /** The package keys the merged values turn on (PreparedBigbang.enabledPackages). */
    enabled: readonly string[];
    /** The packages Big Bang's chart turns on by itself. */
    defaults: readonly string[];
}

export interface MemoryEstimate {
    bytes: number;
    /** What the estimate is made of, for the refusal. */
    basis: string;
}

export function memoryEstimate(bigbang: BigbangPackagesPlan | undefined): MemoryEstimate {
    if (!bigbang) return { bytes: MEMORY_ESTIMATE_BYTES.clusterOnly, basis: "a k3d cluster without Big Bang" };
    const defaults = new Set(bigbang.defaults);
    const extra = bigbang.enabled.filter((key) => !defaults.has(key));
    const bytes = MEMORY_ESTIMATE_BYTES.bigbangDefaults + extra.length * MEMORY_ESTIMATE_BYTES.perExtraPackage;
    const basis = extra.length === 0
        ? "Big Bang with its default packages (Big Bang's prerequisites: 16 GB)"
        : `Big Bang (16 GB for its default packages, per Big Bang's prerequisites) and ${extra.length} more package${extra.length === 1 ? "" : "s"} at 2 GB each (${extra.join(", ")})`;
    return { bytes, basis };
}

const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

/** A problem when the engine has less memory than the estimate, else undefined. */
export function memoryProblem(engineMemTotal: number, bigbang: BigbangPackagesPlan | undefined): string | undefined {
    const need = memoryEstimate(bigbang);
    if (engineMemTotal >= need.bytes) return undefined;
    const key = bigbang ? `${PROJECT}:bigbang.packages` : `${PROJECT}:host.backend`;
    return `${key}: the local Docker Engine has ${gb(engineMemTotal)} of memory (docker info MemTotal), less than the ${gb(need.bytes)} estimated for ${need.basis}; `
        + "give Docker more memory (Docker Desktop: Settings, Resources), turn packages off, or use host.backend aws or ssh";
}

/** The one /etc/hosts line the workstation needs for the hosted registry's name. */
export function registryHostsLine(hostname: string): string {
    return `${LOCAL_ADDRESS} ${hostname}`;
}

/**
 * The warning when the workstation does not resolve the registry's name to 127.0.0.1 (the program
 * does not edit the workstation's /etc/hosts: that takes root). Pushes still work (the Helm container);
 * the developer's own helm and docker need the line.
 */
export function registryResolutionWarning(hostname: string, resolved: readonly string[]): string | undefined {
    if (resolved.includes(LOCAL_ADDRESS)) return undefined;
    const now = resolved.length === 0 ? "does not resolve" : `resolves to ${resolved.join(", ")}`;
    return `${PROJECT}:registry.hostname: ${hostname} ${now} on this workstation, not to ${LOCAL_ADDRESS}; the program pushes through a Helm container `
        + `on the cluster network instead, but your own helm and docker need this line in /etc/hosts (the etcHostsLine output): ${registryHostsLine(hostname)}`;
}

/** The refusal when no engine answers `docker version`. */
export function noEngineProblem(detail: string, env: NodeJS.ProcessEnv): string {
    const where = env.DOCKER_HOST ? `DOCKER_HOST=${env.DOCKER_HOST}` : "the default socket (DOCKER_HOST is not set)";
    const oneLine = detail.replace(/\s+/g, " ").trim().slice(0, 300);
    return `${PROJECT}:host.backend: local needs a running Docker Engine, and \`docker version\` found none at ${where}${oneLine ? ` (${oneLine})` : ""}; `
        + "start Docker (Docker Desktop, or `sudo systemctl start docker`), make sure your user may use it (the docker group), or set DOCKER_HOST";
}

/**
 * A problem when DOCKER_HOST points at another machine: the local backend binds the registry, the k3d
 * API and the cluster ports to this workstation's 127.0.0.1, and the Helm container mounts this
 * workstation's folders, so the engine must run here (a unix socket, Docker Desktop, colima, rootless
 * Docker). An engine elsewhere is what host.backend ssh is for.
 */
export function remoteEngineProblem(dockerHost: string | undefined): string | undefined {
    if (!dockerHost) return undefined;
    const m = /^(tcp|ssh|https?):\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/]*)/.exec(dockerHost);
    if (!m) return undefined;
    const host = m[2].replace(/^\[|\]$/g, "");
    if (m[1] !== "ssh" && (host === "127.0.0.1" || host === "localhost" || host === "::1")) return undefined;
    return `${PROJECT}:host.backend: local needs a Docker Engine on this workstation, but DOCKER_HOST=${dockerHost} is another machine's `
        + "(the registry, the k3d API and the cluster ports bind to this workstation's 127.0.0.1); unset DOCKER_HOST, or use host.backend ssh for that machine";
}
