// Options this program once had and no longer offers: refused with the reason, so a stack that still
// sets one is told why instead of being silently ignored.
import { Report } from "./problems";

// Flux's source-controller pulls the charts with its own trust store plus the HelmRepository's certSecretRef,
// and Big Bang's helmRepositories template (chart/templates/helm-repository/helmrepo.yaml) renders no
// certSecretRef. Trusting a private CA would mean changing source-controller's Deployment, which belongs to
// whoever installs Flux; this program does not, so it refuses private CAs instead of half-working with them.
export const PRIVATE_CA_REFUSED = "Flux pulls charts with its own trust store and Big Bang's helmRepositories has no CA setting, "
    + "so a private CA would fail with 'x509: certificate signed by unknown authority'; use tls.source bigbang "
    + "(Big Bang's publicly trusted dev certificate, the default) or files with a publicly trusted certificate and no caFile";

/** The removed `registry.tls` options a hosted registry's stack still sets. */
export function removedTlsProblems(tls: { source: string; caFile?: string }, p: Report): void {
    if (tls.source === "self-signed") p("registry.tls.source", `self-signed: ${PRIVATE_CA_REFUSED}`, tls.source);
    if (tls.source === "files" && tls.caFile) p("registry.tls.caFile", `a certificate that needs caFile: ${PRIVATE_CA_REFUSED}`, tls.caFile);
}
