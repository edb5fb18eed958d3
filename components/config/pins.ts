// Every version this program pins by default, and where each one comes from.
// Change a pin here and nowhere else; config.ts turns them into defaults.
//
// | pin              | value                     | source                                                                                  |
// | ---------------- | ------------------------- | --------------------------------------------------------------------------------------- |
// | k3d              | v5.8.3                    | Big Bang dev script K3D_VERSION="5.8.3"                                                 |
// | k3s image        | rancher/k3s:v1.36.2-k3s1  | Big Bang dev script DEFAULT_K3S_TAG="v1.36.2-k3s1"                                      |
// | kubectl          | v1.36.2                   | the same Kubernetes release as the k3s image (kubectl supports +/-1 minor; same is best) |
// | helm             | v3.18.6                   | a Helm 3 release; Big Bang's docs and scripts use Helm 3                                 |
// | k3d config       | k3d.io/v1alpha5           | the Simple config schema of k3d v5.8.3 (pkg/config/v1alpha5/schema.json)                 |
// | Ubuntu image     | serial <= 20261101        | Canonical's newest image of the release and architecture published on or before the date |
// | MetalLB manifest | v0.15.3, vendored         | the URL Big Bang 3.30.0's dev-script MetalLB kustomization names; copy + SHA-256 below      |
//
// "Big Bang dev script" is DoD-Platform-One/bigbang (mirror of repo1 big-bang/bigbang), commit 1699eff40
// (2026-08-21), docs/reference/scripts/developer/k3d-dev.sh, the commit the conformance tests'
// reference files come from. When Big Bang moves its pins, move these with them: the cluster should
// run the Kubernetes that Big Bang's own developers test against.

/** The Big Bang commit the k3d and k3s pins were read from. */
export const BIGBANG_REFERENCE_COMMIT = "1699eff40";

/** Default tool pins installed on the host. Each download is checked against the SHA-256 its project publishes. */
export const DEFAULT_TOOL_VERSIONS = {
    k3d: "v5.8.3",
    kubectl: "v1.36.2",
    helm: "v3.18.6",
} as const;

export const DEFAULT_K3S_IMAGE = "rancher/k3s:v1.36.2-k3s1";

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
