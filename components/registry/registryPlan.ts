// Pure planning for the hosted registry: how readiness is probed.
export type { LoadedCertificate as RegistryCertificate } from "./tlsCertificate";

/** Arguments of components/registry/scripts/registry-ready.sh. */
export function readinessProbeArgs(opts: { hostname: string; port: number; expectStatus: number }): string[] {
    return [opts.hostname, String(opts.port), String(opts.expectStatus)];
}
