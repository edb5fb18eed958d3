// Options this program once had and no longer offers. They are not in the schema or the types; a stack
// that still sets one is told why, and the option is taken out before the schema reads the section.
import { PROJECT, describe } from "./problems";

// Flux's source-controller pulls the charts with its own trust store plus the HelmRepository's certSecretRef,
// and Big Bang's helmRepositories template (chart/templates/helm-repository/helmrepo.yaml) renders no
// certSecretRef. Trusting a private CA would mean changing source-controller's Deployment, which belongs to
// whoever installs Flux; this program does not, so it refuses private CAs instead of half-working with them.
export const PRIVATE_CA_REFUSED = "Flux pulls charts with its own trust store and Big Bang's helmRepositories has no CA setting, "
    + "so a private CA would fail with 'x509: certificate signed by unknown authority'; use tls.source bigbang "
    + "(Big Bang's publicly trusted dev certificate, the default) or files with a publicly trusted certificate and no caFile";

function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The removed options the raw config still sets (`registry.tls.source: self-signed`, `registry.tls.caFile`),
 * one problem each, and the raw config without them (a copy; `raw` is left alone). A `tls` left empty is
 * dropped whole, so the target's own rules do not report an empty section.
 */
export function removedOptions(raw: Record<string, unknown>): { problems: string[]; rest: Record<string, unknown> } {
    const registry = raw.registry;
    if (!isRecord(registry) || !isRecord(registry.tls)) return { problems: [], rest: raw };
    const tls: Record<string, unknown> = { ...registry.tls };
    const problems: string[] = [];
    if (tls.source === "self-signed") {
        problems.push(`${PROJECT}:registry.tls.source: self-signed: ${PRIVATE_CA_REFUSED}, got ${describe(tls.source)}`);
        delete tls.source;
    }
    if (tls.caFile !== undefined) {
        problems.push(`${PROJECT}:registry.tls.caFile: a certificate that needs caFile: ${PRIVATE_CA_REFUSED}, got ${describe(tls.caFile)}`);
        delete tls.caFile;
    }
    if (problems.length === 0) return { problems, rest: raw };
    const otherKeys = Object.fromEntries(Object.entries(registry).filter(([key]) => key !== "tls"));
    const rest = { ...raw, registry: Object.keys(tls).length > 0 ? { ...otherKeys, tls } : otherKeys };
    return { problems, rest };
}
