// Pure planning for the hosted registry: what the self-signed certificate
// covers, where the CA sits on the host, and how readiness is probed.
export type { LoadedCertificate as RegistryCertificate } from "./tlsCertificate";

/** Where the registry's CA goes on the host (self-signed or files with caFile). */
export const REGISTRY_CA_FILE_ON_HOST = "/etc/bigbang-oci-dev/registry-ca.crt";

/** The SANs of a generated registry certificate: the registry name, and loopback for on-host use. */
export function selfSignedCertificateRequest(hostname: string): { commonName: string; dnsNames: string[]; ipAddresses: string[] } {
    return { commonName: hostname, dnsNames: [hostname, "localhost"], ipAddresses: ["127.0.0.1"] };
}

/** Arguments of components/registry/scripts/registry-ready.sh. */
export function readinessProbeArgs(opts: { hostname: string; port: number; expectStatus: number; caFile?: string }): string[] {
    const args = [opts.hostname, String(opts.port), String(opts.expectStatus)];
    return opts.caFile ? [...args, opts.caFile] : args;
}
