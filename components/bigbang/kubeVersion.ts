// What Helm checks against a chart's `kubeVersion` before it installs anything,
// done before any resource: the cluster's Kubernetes version (from the k3s image
// tag) against the constraint in the Big Bang chart in use.
//
// Helm v3 pkg/action/install.go (and upgrade.go) refuses a chart whose
// Chart.yaml kubeVersion the cluster does not satisfy: chartutil.IsCompatibleRange
// (pkg/chartutil/capabilities.go) parses the constraint with Masterminds/semver v3
// (NewConstraint) and checks the server's version, which for k3s is
// `v1.36.2+k3s1` (the `+k3s1` is build metadata and does not count).
// Masterminds' constraint syntax is translated to node-semver's here: `,` and
// spaces both mean AND, `||` means OR, `=>`/`=<` are `>=`/`<=`, `~>` is `~`, and
// `!=` (which node-semver lacks) is checked on its own. Pre-releases: Masterminds
// v3 lets a pre-release version satisfy a constraint only when the constraint
// names a pre-release somewhere (`>=1.34.0-0`); node-semver's includePrerelease
// is set exactly then.
import semver from "semver";

/** The Kubernetes version a k3s image runs, as k3s reports it (`v1.36.2-k3s1` → `1.36.2+k3s1`); undefined without a readable tag. */
export function k3sKubernetesVersion(image: string): string | undefined {
    const withoutDigest = image.split("@")[0];
    const slash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.lastIndexOf(":");
    if (colon <= slash) return undefined;
    const tag = withoutDigest.slice(colon + 1);
    const m = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+?)?)-(k3s\d+)$/.exec(tag);
    if (!m) return undefined;
    const version = `${m[1]}+${m[2]}`;
    return semver.valid(version) ? version : undefined;
}

export type KubeVersionVerdict = { ok: true } | { ok: false; reason: "unsatisfied" | "unparsable" };

/** Whether `version` satisfies a Helm `kubeVersion` constraint, the way Masterminds/semver v3 reads it. */
export function satisfiesKubeVersion(constraint: string, version: string): KubeVersionVerdict {
    const parsed = semver.parse(version);
    if (!parsed) return { ok: false, reason: "unparsable" };
    const groups = constraint.split("||").map((g) => g.trim());
    if (groups.some((g) => g === "")) return { ok: false, reason: "unparsable" };
    let anyMatch = false;
    for (const group of groups) {
        const normalized = group
            .replace(/=>/g, ">=").replace(/=</g, "<=").replace(/~>/g, "~")
            .replace(/,/g, " ")
            // Operators may be followed by spaces in Masterminds (`>= 1.2`); node-semver wants them joined.
            .replace(/(!=|>=|<=|>|<|=|~|\^)\s+/g, "$1")
            .trim();
        const terms = normalized.split(/\s+/).filter((t) => t !== "");
        const excluded = terms.filter((t) => t.startsWith("!=")).map((t) => t.slice(2));
        const rest = terms.filter((t) => !t.startsWith("!=")).join(" ") || "*";
        if (excluded.some((x) => semver.validRange(x) === null) || semver.validRange(rest) === null) return { ok: false, reason: "unparsable" };
        const includePrerelease = /\d-[0-9A-Za-z]/.test(group);
        const ok = semver.satisfies(parsed, rest, { includePrerelease })
            && !excluded.some((x) => semver.satisfies(parsed, x, { includePrerelease: true }));
        if (ok) anyMatch = true;
    }
    return anyMatch ? { ok: true } : { ok: false, reason: "unsatisfied" };
}
