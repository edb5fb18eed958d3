// Pure planning for the hosted registry: how readiness is probed.
export type { LoadedCertificate as RegistryCertificate } from "./tlsCertificate";

/** Arguments of components/registry/scripts/registry-ready.sh. */
export function readinessProbeArgs(opts: { hostname: string; port: number; expectStatus: number }): string[] {
    return [opts.hostname, String(opts.port), String(opts.expectStatus)];
}

/** The loopback address the host's /etc/hosts maps the registry name to, for helm push on the host. */
export const REGISTRY_HOST_LOOPBACK = "127.0.0.1";

/**
 * Where the registry's published port listens on the host. Exposed: every interface, and the security
 * group opens it to allowedCidrs. Otherwise loopback only (issue 21): helm push on the host reaches it
 * through /etc/hosts (REGISTRY_HOST_LOOPBACK), a workstation through `ssh -L 5000:127.0.0.1:5000`, and
 * the cluster's nodes never use the published port at all: they reach the container at its own
 * address on the Docker network (CoreDNS answers network.registryAddress, the container port).
 */
export function registryBindAddress(exposePublicly: boolean): string {
    return exposePublicly ? "0.0.0.0" : REGISTRY_HOST_LOOPBACK;
}
