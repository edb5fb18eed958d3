// Every version this program pins by default, and where each one comes from.
// Change a pin here and nowhere else; config.ts turns them into defaults.
//
// | pin              | value                     | source                                                                                  |
// | ---------------- | ------------------------- | --------------------------------------------------------------------------------------- |
// | k3d              | v5.8.3                    | Big Bang dev script K3D_VERSION="5.8.3"                                                 |
// | k3s image        | rancher/k3s:v1.36.2-k3s1  | Big Bang dev script DEFAULT_K3S_TAG="v1.36.2-k3s1"; pulled by digest (K3S_IMAGE_DIGEST)  |
// | kubectl          | v1.36.2                   | the same Kubernetes release as the k3s image (kubectl supports +/-1 minor; same is best) |
// | helm             | v3.18.6                   | a Helm 3 release; Big Bang's docs and scripts use Helm 3                                 |
// | k3d config       | k3d.io/v1alpha5           | the Simple config schema of k3d v5.8.3 (pkg/config/v1alpha5/schema.json)                 |
// | registry image   | registry:2.8.3 @digest    | the release registry:2 names; pulled by digest (REGISTRY_IMAGE_DIGEST)                   |
// | Big Bang tags    | BIGBANG_RELEASE_COMMITS   | the commit each supported release tag points at                                          |
// | Ubuntu image     | serial <= 20261101        | Canonical's newest image of the release and architecture published on or before the date |
// | MetalLB manifest | v0.15.3, vendored         | the URL Big Bang 3.30.0's dev-script MetalLB kustomization names; copy + SHA-256 below      |
//
// "Big Bang dev script" is DoD-Platform-One/bigbang (mirror of repo1 big-bang/bigbang), commit 1699eff40
// (2026-08-21), docs/reference/scripts/developer/k3d-dev.sh, the commit the conformance tests'
// reference files come from. When Big Bang moves its pins, move these with them: the cluster should
// run the Kubernetes that Big Bang's own developers test against.

/** The Big Bang commit the k3d and k3s pins were read from. */
export const BIGBANG_REFERENCE_COMMIT = "1699eff40";

/** Default tool pins installed on the host. Each download is checked against the SHA-256 in TOOL_SHA256. */
export const DEFAULT_TOOL_VERSIONS = {
    k3d: "v5.8.3",
    kubectl: "v1.36.2",
    helm: "v3.18.6",
} as const;

export type PinnedTool = keyof typeof DEFAULT_TOOL_VERSIONS;

/**
 * The SHA-256 of each tool download, per version and architecture, hard-coded so that the host
 * never trusts a sum served beside the binary (issue 21). install-tools.sh checks the file it
 * downloads against these: k3d's `k3d-linux-<arch>`, kubectl's `bin/linux/<arch>/kubectl`, and
 * Helm's `helm-<version>-linux-<arch>.tar.gz` archive. A version not listed here needs its sum in
 * the stack config (host.<tool>Sha256). Only sums copied from a citable publication are listed:
 *
 * - k3d v5.8.3: the release's checksums.txt (github.com/k3d-io/k3d/releases/download/v5.8.3),
 *   as the Arch User Repository's rancher-k3d-bin PKGBUILD (pkgver=5.8.3) records it; several
 *   independent public repositories pin the same two values.
 * - kubectl v1.36.2: dl.k8s.io/release/v1.36.2/bin/linux/<arch>/kubectl.sha256, as quoted
 *   identically by several independent public repositories (Dockerfiles pinning both arches).
 * - Helm v3.18.6: the release notes, github.com/helm/helm/releases/tag/v3.18.6 ("Linux amd64 ...
 *   checksum / 3f43c0aa...", "Linux arm64 ... / 5b8e00b6..."), the .sha256sum files on get.helm.sh.
 */
export const TOOL_SHA256: Readonly<Record<PinnedTool, Readonly<Record<string, Readonly<Record<"amd64" | "arm64", string>>>>>> = {
    k3d: {
        "v5.8.3": {
            amd64: "dbaa79a76ace7f4ca230a1ff41dc7d8a5036a8ad0309e9c54f9bf3836dbe853e",
            arm64: "0b8110f2229631af7402fb828259330985918b08fefd38b7f1b788a1c8687216",
        },
    },
    kubectl: {
        "v1.36.2": {
            amd64: "1e9045ec32bea85da43de85f0065358529ea7c7a152eca78154fba5b58c27d82",
            arm64: "c957eb8c4bea27a3bb35b269edd9082e27f027f7b76b20b5bf4afebc726c6d3e",
        },
    },
    helm: {
        "v3.18.6": {
            amd64: "3f43c0aa57243852dd542493a0f54f1396c0bc8ec7296bbb2c01e802010819ce",
            arm64: "5b8e00b6709caab466cbbb0bc29ee09059b8dc9417991dd04b497530e49b1737",
        },
    },
};

/** The pinned SHA-256 of a tool download, or undefined for a version this program does not pin. */
export function pinnedToolSha256(tool: PinnedTool, version: string, architecture: "amd64" | "arm64"): string | undefined {
    return TOOL_SHA256[tool][version]?.[architecture];
}

/**
 * The k3s image, by tag (for humans and for the conformance check against Big Bang's dev script)
 * and by digest (what Docker pulls: a tag can be moved, a digest cannot). The digest is the
 * multi-architecture index of rancher/k3s:v1.36.2-k3s1 on Docker Hub, as several independent
 * public repositories pin it (renovate-managed defaults among them). k3d v5.8.3 hands the image
 * string to Docker unchanged (pkg/runtimes/docker/translate.go, containerConfig.Image = node.Image),
 * and Docker pulls `name:tag@digest` by the digest.
 */
export const K3S_IMAGE_TAG = "rancher/k3s:v1.36.2-k3s1";
export const K3S_IMAGE_DIGEST = "sha256:6a47cea22c4b834d4ba72c89d291696b79ebe406251f90b446e4dff03513dd87";
export const DEFAULT_K3S_IMAGE = `${K3S_IMAGE_TAG}@${K3S_IMAGE_DIGEST}`;

/**
 * The hosted registry's image. `registry:2` is a floating major tag; 2.8.3 is the release it
 * names (distribution v2.8.3, the line Debian's docker-registry 2.8 that the tests run belongs
 * to), pinned by its multi-architecture index digest as several independent public repositories
 * pin `registry:2.8.3@sha256:a3d8aaa6...`.
 */
export const REGISTRY_IMAGE_TAG = "registry:2.8.3";
export const REGISTRY_IMAGE_DIGEST = "sha256:a3d8aaa63ed8681a604f1dea0aa03f100d5895b6a58ace528858a7b332415373";
export const DEFAULT_REGISTRY_IMAGE = `${REGISTRY_IMAGE_TAG}@${REGISTRY_IMAGE_DIGEST}`;

// k3d's helper images (ghcr.io/k3d-io/k3d-proxy:5.8.3 for the load balancer, k3d-tools:5.8.3) are
// still pulled by tag: no citable digest for them was found. k3d reads K3D_IMAGE_LOADBALANCER and
// K3D_IMAGE_TOOLS (pkg/types/env.go) should one be pinned later.

/**
 * The newest Canonical image serial (YYYYMMDD, the date in the AMI name) a host boots when
 * host.amiId is unset. A cut-off rather than "most recent": the lookup then gives the same AMI
 * on every run, so a new Canonical image never replaces a running host, while a new
 * host.ubuntuRelease or architecture still looks up (and replaces the host with) its own image.
 * Moving it replaces hosts that have no host.amiId, like moving every other pin.
 */
export const UBUNTU_IMAGE_SERIAL_CUTOFF = "20261101";

/**
 * MetalLB's manifest, the one remote resource of Big Bang's dev-script MetalLB kustomization
 * (docs/reference/scripts/developer/metallb/kustomization.yaml at Big Bang 3.30.0 names `url`).
 * The program applies the copy in components/bigbang/vendor/ (`file`), unchanged from `url`, instead
 * of letting kustomize fetch it from GitHub on every run; `sha256` is that file's, checked before use.
 */
export const METALLB_MANIFEST = {
    version: "v0.15.3",
    url: "https://raw.githubusercontent.com/metallb/metallb/v0.15.3/config/manifests/metallb-native.yaml",
    file: "metallb-native-v0.15.3.yaml",
    sha256: "84b4e102f2b65f5d69085f5816c29362b74641873d8ac3de996e5f86a8219176",
} as const;

/**
 * The commit each supported Big Bang release tag points at (issue 21): a tag can be moved or
 * re-pushed, so a clone of `bigbang.source.version` is refused unless its HEAD is this commit.
 * Another release needs `bigbang.source.commit`. 3.30.0: DoD-Platform-One/bigbang (mirror of
 * repo1 big-bang/bigbang), tag 3.30.0 = commit 1d5a436945aa24316b21b88f74d555e9d3559655, the
 * commit the conformance tests' reference copy of that release (bigbang-3.30.0) is from.
 */
export const BIGBANG_RELEASE_COMMITS: Readonly<Record<string, string>> = {
    "3.30.0": "1d5a436945aa24316b21b88f74d555e9d3559655",
};

/**
 * The Helm container the `local` backend pushes charts with when the workstation does not resolve the
 * hosted registry's name to 127.0.0.1 (components/host/local/): it runs on the cluster's Docker network,
 * where the registry container answers to its name (a network alias), so no /etc/hosts edit is needed.
 * alpine/helm (Docker Hub, github.com/alpine-docker/multi-arch-helm) at the Helm release pinned above,
 * with ENTRYPOINT ["helm"]; the digest is the one several independent public repositories pin for
 * `alpine/helm:3.18.6` (Dockerfiles `FROM docker.io/alpine/helm:3.18.6@sha256:c6d8088d...`, and test
 * scripts' HELM_IMAGE defaults). Move it with DEFAULT_TOOL_VERSIONS.helm.
 */
export const HELM_IMAGE_TAG = "alpine/helm:3.18.6";
export const HELM_IMAGE_DIGEST = "sha256:c6d8088ddb279625a2e1ca3b08b22c18c946d1f65c8b810f28f1597435a1134c";
export const DEFAULT_HELM_IMAGE = `${HELM_IMAGE_TAG}@${HELM_IMAGE_DIGEST}`;

/**
 * The oldest Docker Engine the `local` backend accepts: the one k3d v5 needs. k3d's CHANGELOG.md
 * (k3d-io/k3d, v5.1.0 "Notes") says "k3d v5.x.x requires at least docker version 20.10.4", and
 * docs/faq/compatibility.md (same tag, v5.8.3) lists Docker "<= 20.10.4 (due to runc, see
 * https://github.com/k3d-io/k3d/issues/807)" as expected to fail, with 20.10.5 the oldest tested.
 */
export const K3D_MIN_DOCKER_VERSION = "20.10.5";
